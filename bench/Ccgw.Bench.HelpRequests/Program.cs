using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Web.Help;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Accepted help requests per second with the durability guarantee on (every 202 follows a committed WAL transaction,
// synchronous=FULL). Default: the real endpoints + store in this process on a temp SQLite file, the load generator in
// the same process (both share the machine, as a daemon and its clients would on one box). --url http://host:port
// instead loads a running daemon. Usage:
//   dotnet run -c Release --project bench/Ccgw.Bench.HelpRequests -- [--seconds 10] [--clients 64] [--batch 256] [--url URL] [--store]
//     [--engine sqlite|postgresql --pg CONNECTION]
// --engine postgresql runs the same intake on PostgreSQL (an empty database; bench/storage/run.sh starts a throw-away
// cluster and runs both engines in one go).
// --store submits straight to the store (no HTTP, no validation): what the durable intake alone can take.
// --serve starts only the in-process endpoints, prints their URL and serves until standard input closes, then prints
// the commits; with a second process as the load generator each can be pinned to its own core:
//   taskset -c 0 dotnet Ccgw.Bench.HelpRequests.dll --serve < fifo & taskset -c 1 dotnet Ccgw.Bench.HelpRequests.dll --url URL
var seconds = Arg("--seconds", 10);
var clients = Arg("--clients", 64);
var batch = Arg("--batch", Ccgw.Storage.Sqlite.SqliteHelpRequestStore.MaxBatch);
var url = ArgText("--url");
var otherWrites = Arg("--other-writes", 0);
var engine = ArgText("--engine") ?? "sqlite";
var postgres = ArgText("--pg");
if (args.Contains("--store")) return await StoreOnly.RunAsync(engine, postgres, seconds, clients, batch, otherWrites);
if (args.Contains("--serve"))
{
    await using var served = await LocalHost.StartAsync(engine, postgres, batch);
    Console.WriteLine(served.Url);
    var serverCpu = Cpu.Begin();
    await Console.In.ReadToEndAsync();
    Console.WriteLine(serverCpu.Report((int)served.Storage.Committed, "server only, warm-up included"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"served: {served.Storage.Committed} requests in {served.Storage.Commits} commits (fsyncs), {(double)served.Storage.Committed / Math.Max(1, served.Storage.Commits):F1} per commit, warm-up included"));
    return 0;
}

await using var local = url is null ? await LocalHost.StartAsync(engine, postgres, batch) : null;
var baseAddress = new Uri(url ?? local!.Url);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = baseAddress,
    Timeout = TimeSpan.FromSeconds(30),
};

// Warm-up (JIT, connections), not counted.
await RunAsync(TimeSpan.FromSeconds(2), offset: 9_000_000);
var before = local?.Storage.Commits ?? 0;
var beforeRows = local?.Storage.Committed ?? 0;
var cpu = Cpu.Begin();
var (accepted, failed, latencies, elapsed) = await RunAsync(TimeSpan.FromSeconds(seconds), offset: 0);
var cpuLine = cpu.Report(accepted, url is null ? "server and load generator" : "load generator only");
latencies.Sort();
var commits = (local?.Storage.Commits ?? 0) - before;
var rows = (local?.Storage.Committed ?? 0) - beforeRows;

Console.WriteLine($"help requests: {(url is null ? "in-process endpoints + " + local!.Storage.Engine : url)}, {clients} concurrent clients, {seconds} s, max batch {batch}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"accepted: {accepted} ({accepted / elapsed.TotalSeconds:F0}/s), failed: {failed}, latency p50 {Pct(0.50):F1} ms, p99 {Pct(0.99):F1} ms"));
Console.WriteLine(cpuLine);
if (local is not null && commits > 0)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commits (fsyncs): {commits} ({commits / elapsed.TotalSeconds:F0}/s), requests per commit: {(double)rows / commits:F1}"));
return 0;

double Pct(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];

async Task<(int Accepted, int Failed, List<double> Latencies, TimeSpan Elapsed)> RunAsync(TimeSpan duration, int offset)
{
    var accepted = 0;
    var failed = 0;
    var all = new List<double>[clients];
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var mine = all[c] = new List<double>(4096);
        for (var n = 0; watch.Elapsed < duration; n++)
        {
            // Distinct numbers (no merging), two topics, "now".
            var number = string.Create(CultureInfo.InvariantCulture, $"+1{offset + (c * 100_000) + n:D9}");
            var body = $$"""{"number":"{{number}}","topic":"{{(n % 2 == 0 ? "sales" : "billing")}}","preferredTime":"now","pageUrl":"https://shop.example/p/{{n}}"}""";
            var start = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/api/help-requests", new StringContent(body, Encoding.UTF8, "application/json"));
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref accepted);
            else Interlocked.Increment(ref failed);
        }
    }));
    return (accepted, failed, all.SelectMany(l => l).ToList(), watch.Elapsed);
}

int Arg(string name, int fallback) => ArgText(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>
/// This process's CPU time per accepted request over the measured run. On a shared machine the accepted rate says more
/// about the neighbours than about ccgw; CPU per request does not, and bounds what the cores could do if ccgw had them.
/// </summary>
internal readonly record struct Cpu(TimeSpan AtStart)
{
    public static Cpu Begin() => new(Process.GetCurrentProcess().TotalProcessorTime);

    public string Report(int accepted, string what)
    {
        var used = Process.GetCurrentProcess().TotalProcessorTime - AtStart;
        var perRequest = used.TotalMilliseconds / Math.Max(1, accepted);
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU ({what}): {used.TotalSeconds:F2} s, {perRequest:F3} ms per accepted request, so at most {Environment.ProcessorCount * 1000 / perRequest:F0}/s on {Environment.ProcessorCount} otherwise idle cores");
    }
}

/// <summary>
/// Another connection committing now and then, as the scheduler and the history recorder do in the daemon: each such
/// commit makes the writer reload its position index once (--other-writes per second; 0, the default, none). The
/// update must change the row: SQLite writes nothing for an identical row, and then nothing needs reloading.
/// </summary>
internal static class OtherWriter
{
    public static async Task RunAsync(SqliteDatabase? db, int perSecond, CancellationToken cancellationToken)
    {
        if (perSecond <= 0) return;
        if (db is null) throw new ArgumentException("--other-writes is for SQLite (it measures the position index reload)");
        await using var c = await db.OpenAsync(cancellationToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await using var command = c.CreateCommand();
                command.CommandText = "UPDATE callbacks SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE rowid = (SELECT min(rowid) FROM callbacks)";
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The store alone: the same distinct "now" requests submitted by <c>clients</c> concurrent tasks.</summary>
internal static class StoreOnly
{
    public static async Task<int> RunAsync(string engine, string? postgres, int seconds, int clients, int batch, int otherWrites)
    {
        await using var storage = await IntakeStorage.OpenAsync(engine, postgres, batch);
        var store = storage.Store;
        CallbackQueuePolicy[] policies = [new("sales", "Sales"), new("billing", "Billing")];
        await RunAsync(store, policies, TimeSpan.FromSeconds(2), clients, 9_000_000);
        using var stopOthers = new CancellationTokenSource();
        var others = OtherWriter.RunAsync(storage.Sqlite, otherWrites, stopOthers.Token);
        var commits = storage.Commits;
        var rows = storage.Committed;
        var cpu = Cpu.Begin();
        var (accepted, elapsed) = await RunAsync(store, policies, TimeSpan.FromSeconds(seconds), clients, 0);
        var cpuLine = cpu.Report(accepted, "store and submitters");
        await stopOthers.CancelAsync();
        await others;
        commits = storage.Commits - commits;
        rows = storage.Committed - rows;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store only ({storage.Engine}), {clients} concurrent submitters, {otherWrites} other commits/s, {seconds} s, max batch {batch}: {accepted} ({accepted / elapsed.TotalSeconds:F0}/s), requests per commit {(double)rows / Math.Max(1, commits):F1}"));
        Console.WriteLine(cpuLine);
        return 0;
    }

    private static async Task<(int Accepted, TimeSpan Elapsed)> RunAsync(IHelpRequestStore store, CallbackQueuePolicy[] policies,
        TimeSpan duration, int clients, int offset)
    {
        var accepted = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                var number = string.Create(CultureInfo.InvariantCulture, $"+1{offset + (c * 100_000) + n:D9}");
                var policy = policies[n % 2];
                var now = TimeProvider.System.GetUtcNow();
                var receipt = await store.SubmitAsync(new HelpRequestSubmission(policy.QueueId, number, now, now,
                    PageUrl: string.Create(CultureInfo.InvariantCulture, $"https://shop.example/p/{n}")), policy);
                if (receipt.Disposition == HelpRequestDisposition.Created) Interlocked.Increment(ref accepted);
            }
        }));
        return (accepted, watch.Elapsed);
    }
}

/// <summary>The help endpoints composed as the daemon composes them, on a temp database.</summary>
internal sealed class LocalHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _engine;

    private LocalHost(WebApplication app, IntakeStorage storage, RoutingEngine engine, string url)
    {
        _app = app;
        Storage = storage;
        Url = url;
        _engine = engine.RunAsync(_stop.Token);
    }

    public IntakeStorage Storage { get; }
    public string Url { get; }

    public static async Task<LocalHost> StartAsync(string storageEngine, string? postgres, int batch)
    {
        var storage = await IntakeStorage.OpenAsync(storageEngine, postgres, batch);
        var engine = new RoutingEngine(new ContactCenterDefinition(
            [new AgentDefinition("alice", "Alice", new Dictionary<string, int> { ["sales"] = 5, ["billing"] = 3 }, new ChannelCapacity())],
            [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 }), new QueueDefinition("billing", new Dictionary<string, int> { ["billing"] = 1 })],
            new RoutingOptions()), TimeProvider.System);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(new CallbackPolicies([new CallbackQueuePolicy("sales", "Sales"), new CallbackQueuePolicy("billing", "Billing")]));
        builder.Services.AddSingleton(storage.Store);
        builder.Services.AddSingleton(storage.Callbacks);
        builder.Services.AddSingleton(storage.Alerts);
        builder.Services.AddHelpRequests(new HelpSiteOptions("Bench", TimeSpan.FromMinutes(3)));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        var app = builder.Build();
        app.MapHelpRequests();
        await app.StartAsync();
        return new LocalHost(app, storage, engine, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _stop.CancelAsync();
        await _engine;
        await Storage.DisposeAsync();
    }
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Ccgw.Web.Edge;
using Ccgw.Web.Help;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ccgw.Web.Tests;

/// <summary>
/// The help endpoints on Kestrel (loopback, free port) over the real core and a real migrated SQLite file, on a manual
/// clock, composed the way the daemon composes them.
/// </summary>
internal sealed class HelpApiHost : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 7, 0, TimeSpan.Zero);

    private readonly string _dir;
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _engineLoop;

    private HelpApiHost(string dir, WebApplication app, ManualTimeProvider time, RoutingEngine engine, SqliteCallbackRepository callbacks, SqliteHelpRequestStore store, int port,
        ContactCenterDefinition definition, SqliteDatabase database)
    {
        Definition = definition;
        Database = database;
        _dir = dir;
        _app = app;
        Time = time;
        Engine = engine;
        Callbacks = callbacks;
        Store = store;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        _engineLoop = engine.RunAsync(_stop.Token);
    }

    public ManualTimeProvider Time { get; }
    public ContactCenterDefinition Definition { get; }
    public SqliteDatabase Database { get; }
    public RoutingEngine Engine { get; }
    public SqliteCallbackRepository Callbacks { get; }
    public SqliteHelpRequestStore Store { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;

    public static Task<HelpApiHost> StartAsync(params CallbackQueuePolicy[] policies) => StartAsync(null, policies);

    /// <param name="site">The help site's settings (e.g. topic documents); null: the defaults every other test uses.</param>
    public static async Task<HelpApiHost> StartAsync(HelpSiteOptions? site, params CallbackQueuePolicy[] policies)
    {
        var dir = Directory.CreateTempSubdirectory("ccgw-web-").FullName;
        var db = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
        await db.InitializeAsync(default);
        await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        var time = new ManualTimeProvider(T0);
        var definition = new ContactCenterDefinition(
            [new AgentDefinition("alice", "Alice", new Dictionary<string, int> { ["sales"] = 5, ["billing"] = 3 }, new ChannelCapacity(1, 3, 1))],
            [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 }), new QueueDefinition("billing", new Dictionary<string, int> { ["billing"] = 1 })],
            new RoutingOptions());
        var engine = new RoutingEngine(definition, time);
        var callbacks = new SqliteCallbackRepository(db, time);
        var store = new SqliteHelpRequestStore(db, time);
        var port = FreePorts.Tcp();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var services = builder.Services;
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(engine);
        services.AddSingleton(new CallbackPolicies(policies.Length > 0 ? policies
            : [new CallbackQueuePolicy("sales", "Sales"), new CallbackQueuePolicy("billing", "Billing")]));
        services.AddSingleton<IHelpRequestStore>(store);
        services.AddSingleton<ICallbackRepository>(callbacks);
        services.AddSingleton<ICustomerAlertStore>(new SqliteCustomerAlertStore(db));
        services.AddHelpRequests(site ?? new HelpSiteOptions("Test centre", TimeSpan.FromMinutes(3)));
        services.AddProblemDetails();
        // The daemon's edge (security headers, CSP: the browser tests run the page under it), with limits no test reaches.
        var unlimited = new RateLimit(1_000_000, TimeSpan.FromMinutes(1));
        services.AddWebEdge(new WebEdgeOptions([], unlimited, unlimited));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        var app = builder.Build();
        app.UseWebEdge();
        app.MapHelpRequests();
        await app.StartAsync();
        var host = new HelpApiHost(dir, app, time, engine, callbacks, store, port, definition, db);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        await _stop.CancelAsync();
        await _engineLoop;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

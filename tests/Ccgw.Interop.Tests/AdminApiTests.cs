using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>The admin API and ccgwctl's live verbs against the running daemon.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private const string Token = "demo-admin-token-change-me";
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string? token = Token, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private Task<ExternalProcess> Ctl(params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{_daemon.Listeners.Http}", "--token", Token],
            TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Without_a_token_the_answer_is_401_problem_json()
    {
        using var response = await _daemon.Http.SendAsync(Request(HttpMethod.Get, "/api/admin/agents", token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Repeated_bad_tokens_are_rate_limited_even_for_the_right_token_afterwards()
    {
        for (var i = 0; i < 10; i++)
        {
            using var bad = await _daemon.Http.SendAsync(Request(HttpMethod.Get, "/api/admin/agents", token: "guess-" + i));
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }
        using var limited = await _daemon.Http.SendAsync(Request(HttpMethod.Get, "/api/admin/agents"));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task Agents_start_offline_and_ccgwctl_sets_one_ready()
    {
        using var before = await _daemon.Http.SendAsync(Request(HttpMethod.Get, "/api/admin/agents"));
        var agents = await before.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["alice", "bob"], agents.EnumerateArray().Select(a => a.GetProperty("agentId").GetString()));
        Assert.All(agents.EnumerateArray(), a => Assert.Equal("offline", a.GetProperty("state").GetString()));

        await using (var set = await Ctl("agent-state", "alice", "ready"))
        {
            Assert.True(set.ExitCode == 0, set.StandardError);
            Assert.Contains("\"ready\"", set.StandardOutput);
        }

        await using var list = await Ctl("agents");
        Assert.Equal(0, list.ExitCode);
        var listed = JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("agentId").GetString()!);
        Assert.Equal("ready", listed["alice"].GetProperty("state").GetString());
        Assert.Equal("offline", listed["bob"].GetProperty("state").GetString());

        await using var queues = await Ctl("queues");
        Assert.Equal(0, queues.ExitCode);
        var q = JsonDocument.Parse(queues.StandardOutput).RootElement.EnumerateArray().ToDictionary(x => x.GetProperty("queue").GetString()!);
        Assert.Equal(1, q["sales"].GetProperty("agentsReady").GetInt32());
        Assert.Equal(0, q["billing"].GetProperty("waiting").GetInt32());
    }

    [Fact]
    public async Task Bad_state_is_a_problem_naming_the_field_and_unknown_agent_is_404()
    {
        using var bad = await _daemon.Http.SendAsync(Request(HttpMethod.Put, "/api/admin/agents/alice/state", body: new { state = "asleep" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));

        using var unknown = await _daemon.Http.SendAsync(Request(HttpMethod.Put, "/api/admin/agents/zoe/state", body: new { state = "ready" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Demo_customers_are_seeded_and_found_by_phone()
    {
        using var response = await _daemon.Http.SendAsync(Request(HttpMethod.Get, "/api/admin/customers?phone=%2B15550100"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var carol = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("carol", carol.GetProperty("id").GetString());
        Assert.Equal("shipped", carol.GetProperty("orders").EnumerateArray().Single(o => o.GetProperty("orderId").GetString() == "A-1002").GetProperty("status").GetString());
    }
}

/// <summary>The persisted call-back list, written by another process into the daemon's database and managed with ccgwctl.</summary>
public sealed class CallbackAdminTests
{
    private const string Token = "demo-admin-token-change-me";

    [Fact]
    public async Task Supervisor_lists_reprioritises_reschedules_and_cancels_with_ccgwctl()
    {
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            // The database is the daemon's own (WAL allows a second writer); the rows are what a help request would store.
            var db = new Ccgw.Storage.Sqlite.SqliteDatabase(Path.Combine(daemon.DataDirectory, "ccgw.db"));
            var repo = new Ccgw.Storage.Sqlite.SqliteCallbackRepository(db, TimeProvider.System);
            var t0 = DateTimeOffset.UtcNow.AddHours(1);
            foreach (var (id, minutes) in new[] { ("cb-1", 10), ("cb-2", 20) })
                await repo.AddAsync(new Ccgw.Core.Repositories.CallbackRequest(id, "sales", Ccgw.Core.InteractionChannel.Callback,
                    "+15550100", t0.AddMinutes(minutes), 0, t0.AddMinutes(-5), Ccgw.Core.Repositories.CallbackStatus.Scheduled));

            async Task<ExternalProcess> Ctl(params string[] args) => await ExternalProcess.RunAsync("dotnet",
                [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{daemon.Listeners.Http}", "--token", Token], TimeSpan.FromSeconds(60));

            await using (var list = await Ctl("callbacks"))
                Assert.Equal(["cb-1", "cb-2"], Ids(list.StandardOutput));
            await using (var reschedule = await Ctl("callback-reschedule", "cb-2", t0.ToString("O", System.Globalization.CultureInfo.InvariantCulture)))
                Assert.True(reschedule.ExitCode == 0, reschedule.StandardError);
            await using (var priority = await Ctl("callback-priority", "cb-1", "7"))
                Assert.True(priority.ExitCode == 0, priority.StandardError);
            await using (var list = await Ctl("callbacks"))
                Assert.Equal(["cb-2", "cb-1"], Ids(list.StandardOutput));
            await using (var cancel = await Ctl("callback-cancel", "cb-2"))
                Assert.Equal(0, cancel.ExitCode);
            await using (var again = await Ctl("callback-cancel", "cb-2"))
                Assert.Equal(1, again.ExitCode);
            await using (var scheduled = await Ctl("callbacks", "scheduled"))
                Assert.Equal(["cb-1"], Ids(scheduled.StandardOutput));
            Assert.Equal(7, (await repo.GetAsync("cb-1"))!.Priority);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [Fact]
    public async Task A_supervisor_moves_a_call_back_waiting_in_the_live_queue_and_its_customer_sees_the_new_place()
    {
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            await MovesAsync(daemon);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    private static async Task MovesAsync(DaemonUnderTest daemon)
    {
        // Two call-backs asked for before, due now, nobody ready: the scheduler hands both to the core, where they wait
        // (issue 15: before, they stayed scheduled until an agent was idle). Ids are request ids, so the status page reads them.
        var first = new string('a', 32);
        var second = new string('b', 32);
        var db = new Ccgw.Storage.Sqlite.SqliteDatabase(Path.Combine(daemon.DataDirectory, "ccgw.db"));
        var repo = new Ccgw.Storage.Sqlite.SqliteCallbackRepository(db, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, asked) in new[] { (first, 10), (second, 5) })
            await repo.AddAsync(new Ccgw.Core.Repositories.CallbackRequest(id, "sales", Ccgw.Core.InteractionChannel.Callback,
                "+15550100", now, 0, now.AddMinutes(-asked), Ccgw.Core.Repositories.CallbackStatus.Scheduled));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await PositionAsync(daemon, second) != 2)
        {
            if (deadline.IsCancellationRequested)
            {
                using var status = await daemon.Http.GetAsync($"/api/help-requests/{second}");
                var output = daemon.Process.StandardOutput;
                Assert.Fail($"the due call-backs never waited in the core: {await status.Content.ReadAsStringAsync()}\n{output[Math.Max(0, output.Length - 4000)..]}");
            }
            await Task.Delay(100);
        }
        Assert.Equal(1, await PositionAsync(daemon, first));

        // The call-back PATCH now reaches a queued one (and its place in the core)…
        using (var patched = await daemon.Http.SendAsync(Patch($"/api/admin/callbacks/{second}", new { priority = 5 })))
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(1, await PositionAsync(daemon, second));
        Assert.Equal(2, await PositionAsync(daemon, first));

        // …and any waiting interaction can be moved by its id.
        using (var moved = await daemon.Http.SendAsync(Patch($"/api/admin/interactions/{first}", new { priority = 9 })))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            var body = await moved.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, body.GetProperty("position").GetInt32());
            Assert.Equal(9, body.GetProperty("priority").GetInt32());
        }
        Assert.Equal(2, await PositionAsync(daemon, second));
        using (var unknown = await daemon.Http.SendAsync(Patch("/api/admin/interactions/nope", new { priority = 1 })))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var tooHigh = await daemon.Http.SendAsync(Patch($"/api/admin/interactions/{first}", new { priority = 500 })))
            Assert.Equal(HttpStatusCode.BadRequest, tooHigh.StatusCode);
    }

    /// <summary>The position the customer's status page shows (0 while not in the core).</summary>
    private static async Task<int> PositionAsync(DaemonUnderTest daemon, string id)
    {
        using var status = await daemon.Http.GetAsync($"/api/help-requests/{id}");
        var body = await status.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("status").GetString() == "queued" ? body.GetProperty("position").GetInt32() : 0;
    }

    private static HttpRequestMessage Patch(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    private static string[] Ids(string json) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 22, <c>Storage:Engine postgresql</c>: the real daemon on a real PostgreSQL (Debian's package, initdb in a
/// temporary folder) accepts help requests over HTTP; after kill -9 a daemon started on a fresh data directory (no
/// SQLite file from the first) lists every request answered 202, so they were kept in PostgreSQL. Skipped visibly
/// when PostgreSQL is not installed.
/// </summary>
public sealed class PostgresDaemonTests
{
    private const string Token = "demo-admin-token-change-me";

    [SkippableFact]
    public async Task Help_requests_accepted_on_postgresql_survive_kill_9_and_are_listed_by_the_next_daemon()
    {
        Skip.IfNot(PostgresUnderTest.IsInstalled, "PostgreSQL is not installed (apt-get install postgresql)");
        await using var postgres = await PostgresUnderTest.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var firstRoot = DaemonUnderTest.NewRoot();
        var secondRoot = DaemonUnderTest.NewRoot();
        // The key is read at start even though the test server trusts loopback connections.
        var passwordFile = Path.Combine(firstRoot, "pgpassword");
        await File.WriteAllTextAsync(passwordFile, "not-needed-under-trust\n");
        var environment = new Dictionary<string, string?>
        {
            ["CCGW__Storage__Engine"] = "postgresql",
            ["CCGW__Storage__ConnectionString"] = connectionString,
            ["CCGW__Storage__PasswordFile"] = passwordFile,
        };
        try
        {
            var accepted = new ConcurrentBag<string>();
            var first = await DaemonUnderTest.StartAsync(environment, reuseRoot: firstRoot);
            using var twenty = new SemaphoreSlim(0);
            var posts = Enumerable.Range(0, 60).Select(async i =>
            {
                try
                {
                    using var response = await first.Http.PostAsync("/api/help-requests", new StringContent(
                        $$"""{"number":"+1555{{i:D6}}","topic":"{{(i % 2 == 0 ? "sales" : "billing")}}","preferredTime":"now"}""",
                        Encoding.UTF8, "application/json"));
                    if (response.StatusCode != HttpStatusCode.Accepted) return;
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    accepted.Add(body.GetProperty("id").GetString()!);
                    if (accepted.Count == 20) twenty.Release();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    // Killed mid-request: not answered 202, so not promised.
                }
            }).ToList();
            Assert.True(await twenty.WaitAsync(TimeSpan.FromSeconds(60)), "20 requests were not accepted in time");
            await first.Process.SignalAsync("KILL");
            Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            await Task.WhenAll(posts);
            await first.DisposeAsync();
            Assert.DoesNotContain(connectionString, first.Process.StandardOutput + first.Process.StandardError, StringComparison.Ordinal);
            Assert.Contains("postgresql://127.0.0.1:", first.Process.StandardOutput + first.Process.StandardError, StringComparison.Ordinal);

            var second = await DaemonUnderTest.StartAsync(environment, reuseRoot: secondRoot);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/callbacks");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                using var list = await second.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, list.StatusCode);
                var listed = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
                    .Where(c => c.GetProperty("status").GetString() is "scheduled" or "queued")
                    .Select(c => c.GetProperty("id").GetString()!).ToHashSet();
                Assert.All(accepted, id => Assert.Contains(id, listed));

                using var one = await second.Http.GetAsync($"/api/help-requests/{accepted.First()}");
                Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(firstRoot, recursive: true);
            Directory.Delete(secondRoot, recursive: true);
        }
    }
}

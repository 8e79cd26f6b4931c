using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The IM gateway of the running daemon driven by slixmpp clients (Debian's python3-slixmpp): a guest logs in with
/// SASL ANONYMOUS after STARTTLS on the built-in server, writes to support@localhost and is routed to bob; with nobody
/// available the guest books a call-back. Every stanza each client received is recorded and searched for the other
/// side's address.
/// </summary>
public sealed class ImDaemonTests : IAsyncLifetime
{
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync()
    {
        if (ImChatScript.SlixmppInstalled) _daemon = await DaemonUnderTest.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_daemon is null) return;
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    [SkippableFact]
    public async Task A_guest_is_routed_to_bob_and_neither_sees_the_others_address()
    {
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        await ImAdmin.SetStateAsync(_daemon.Http, "bob", "ready");

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{_daemon.Listeners.Xmpp}", "--tls", "--customer", "localhost", "--agent", "bob@localhost", "--agent-password", "demo-bob",
             "--to", "support@localhost", "--scenario", "relay"], TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, $"{output}\n{result}\n{_daemon.Process.StandardOutput}");
        var customerJid = result.GetProperty("customerJid").GetString()!;
        var conversation = result.GetProperty("conversationAddress").GetString()!;
        Assert.Contains("For billing, press 2", result.GetProperty("menu").GetString());
        Assert.Matches("^chat-[0-9a-f]+@localhost$", conversation);
        Assert.StartsWith("support@localhost", result.GetProperty("replyFrom").GetString());
        Assert.StartsWith(conversation, result.GetProperty("customerMessageFrom").GetString());
        Assert.Equal("The customer has left the chat.", result.GetProperty("agentToldEnd").GetString());
        ImChatScript.AssertNeitherSawTheOther(result, customerJid, "bob@localhost");

        // The chat reached the interaction history, with its transcript.
        var interaction = await ImAdmin.LatestInteractionAsync(_daemon.Http, "bob");
        var transcript = await new SqliteInteractionTranscriptRepository(new SqliteDatabase(Path.Combine(_daemon.DataDirectory, "ccgw.db")))
            .GetAsync(interaction);
        Assert.Contains(transcript, l => l is { Sender: TranscriptSender.Agent, AgentId: "bob", Body: "Hello, Bob from billing here." });
        Assert.Contains(transcript, l => l is { Sender: TranscriptSender.Customer, Body: "Thanks, invoice 42 is wrong." });
        Assert.DoesNotContain(transcript, l => l.Body.Contains(customerJid.Split('/')[0], StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task Alices_desk_sees_the_guests_presence_from_the_conversation_address_until_the_chat_ends()
    {
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        await ImAdmin.SetStateAsync(_daemon.Http, "alice", "ready");

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{_daemon.Listeners.Xmpp}", "--tls", "--customer", "localhost", "--agent", "alice@localhost", "--agent-password", "demo-alice",
             "--to", "billing@localhost", "--choice", "", "--scenario", "presence"], TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, $"{output}\n{result}\n{_daemon.Process.StandardOutput}");
        var conversation = result.GetProperty("conversationAddress").GetString()!;
        Assert.Matches("^chat-[0-9a-f]+@localhost$", conversation);
        var seen = result.GetProperty("agentPresence").EnumerateArray()
            .Select(p => (p.GetProperty("from").GetString(), p.GetProperty("type").GetString(), p.GetProperty("show").GetString())).ToList();
        // slixmpp reports an available presence's type as its show, or "available" without one.
        Assert.Equal([(conversation, "available", null), (conversation, "away", "away"), (conversation, "unavailable", null)], seen);
        ImChatScript.AssertNeitherSawTheOther(result, result.GetProperty("customerJid").GetString()!, "alice@localhost");
    }

    [SkippableFact]
    public async Task With_nobody_available_the_guest_hears_the_wait_and_books_a_call_back()
    {
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{_daemon.Listeners.Xmpp}", "--tls", "--customer", "localhost", "--to", "support@localhost", "--scenario", "callback",
             "--phone", "+49 30 7654321"], TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, $"{output}\n{result}\n{_daemon.Process.StandardOutput}");
        Assert.StartsWith("No agent is available at the moment.", result.GetProperty("waitText").GetString());
        Assert.True(result.GetProperty("formOffered").GetBoolean(), "slixmpp announces jabber:x:data, so the offer is a form");
        var callbacks = await ImAdmin.CallbacksAsync(_daemon.Http);
        var callback = Assert.Single(callbacks, c => c.GetProperty("address").GetString() == "+49307654321");
        Assert.Equal("billing", callback.GetProperty("queue").GetString());
    }

    [SkippableFact]
    public async Task A_known_customer_writing_to_a_queue_address_is_queued_without_the_menu_and_offered_her_own_number()
    {
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{_daemon.Listeners.Xmpp}", "--tls", "--customer", "carol@localhost", "--customer-password", "demo-carol",
             "--to", "billing@localhost", "--choice", "", "--scenario", "callback", "--phone", "+15550100"], TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, $"{output}\n{result}\n{_daemon.Process.StandardOutput}");
        Assert.Equal(["+15550100"], result.GetProperty("formPhone").EnumerateArray().Select(v => v.GetString()));
        var callback = Assert.Single(await ImAdmin.CallbacksAsync(_daemon.Http));
        Assert.Equal(("billing", "+15550100", "carol"),
            (callback.GetProperty("queue").GetString(), callback.GetProperty("address").GetString(), callback.GetProperty("customerId").GetString()));
    }
}

/// <summary>The admin API calls the IM tests need.</summary>
internal static class ImAdmin
{
    private const string Token = "demo-admin-token-change-me";

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    public static async Task SetStateAsync(HttpClient http, string agent, string state)
    {
        using var response = await http.SendAsync(Request(HttpMethod.Put, $"/api/admin/agents/{agent}/state", new { state }));
        response.EnsureSuccessStatusCode();
    }

    public static async Task<IReadOnlyList<JsonElement>> CallbacksAsync(HttpClient http)
    {
        using var response = await http.SendAsync(Request(HttpMethod.Get, "/api/admin/callbacks"));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. json.EnumerateArray()];
    }

    public static async Task<string> LatestInteractionAsync(HttpClient http, string agent)
    {
        using var response = await http.SendAsync(Request(HttpMethod.Get, $"/api/admin/interactions?agent={agent}"));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.EnumerateArray().First().GetProperty("interactionId").GetString()!;
    }
}

using Ccgw.Core;
using Ccgw.Xmpp.Component;
using Ccgw.Xmpp.Im;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests;

/// <summary>
/// The IM gateway attached to a real Prosody as an XEP-0114 component, with the real routing core, driven by slixmpp
/// clients that have accounts on that Prosody (tier 2: the protocol stack over loopback with real peers).
/// </summary>
public sealed class ComponentProsodyTests
{
    private const string Domain = "help.localhost";
    private const string Secret = "component-secret";

    [SkippableFact]
    public async Task Prosody_users_reach_the_queue_addresses_and_the_agent_through_the_component()
    {
        Skip.IfNot(ProsodyUnderTest.Installed, "prosody (Debian package 'prosody') is not installed");
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        await using var prosody = await ProsodyUnderTest.StartAsync(Domain, Secret, [("bob", "demo-bob"), ("dave", "demo-dave")]);
        await using var stack = await Stack.StartAsync(prosody.ComponentPort);
        await stack.Engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{prosody.C2sPort}", "--customer", "dave@localhost", "--customer-password", "demo-dave",
             "--agent", "bob@localhost", "--agent-password", "demo-bob", "--to", $"support@{Domain}", "--scenario", "relay"],
            TimeSpan.FromSeconds(90));

        Assert.True(exit == 0, output + result);
        Assert.StartsWith($"chat-", result.GetProperty("conversationAddress").GetString());
        Assert.EndsWith($"@{Domain}", result.GetProperty("conversationAddress").GetString());
        Assert.StartsWith($"support@{Domain}", result.GetProperty("replyFrom").GetString());
        Assert.StartsWith("New chat in Billing", result.GetProperty("offer").GetString());
        Assert.Equal("The customer has left the chat.", result.GetProperty("agentToldEnd").GetString());
        Assert.All(ImChatScript.Received(result, "customerReceived"), s => Assert.DoesNotContain("bob@", s, StringComparison.OrdinalIgnoreCase));
        Assert.All(ImChatScript.Received(result, "agentReceived"), s => Assert.DoesNotContain("dave@", s, StringComparison.OrdinalIgnoreCase));
        var request = Assert.Single(stack.Submitted);
        Assert.Equal(("billing", "dave@localhost"), (request.QueueId, request.Address));
        Assert.Contains("software:im_chat.py 1.0", request.Capabilities!);
        Assert.Contains("jabber:x:data", request.Capabilities!);
    }

    [SkippableFact]
    public async Task A_guest_on_prosody_with_nobody_available_books_a_call_back_with_the_form()
    {
        Skip.IfNot(ProsodyUnderTest.Installed, "prosody (Debian package 'prosody') is not installed");
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        await using var prosody = await ProsodyUnderTest.StartAsync(Domain, Secret, []);
        await using var stack = await Stack.StartAsync(prosody.ComponentPort);

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{prosody.C2sPort}", "--customer", "anon.localhost", "--to", $"support@{Domain}", "--scenario", "callback",
             "--phone", "+49 30 1234567"],
            TimeSpan.FromSeconds(90));

        Assert.True(exit == 0, output + result);
        Assert.True(result.GetProperty("formOffered").GetBoolean());
        Assert.StartsWith("No agent is available at the moment.", result.GetProperty("waitText").GetString());
        var booked = Assert.Single(stack.Booking.Booked);
        Assert.Equal(("billing", "+49301234567"), (booked.QueueId, booked.Phone));
        Assert.EndsWith("@anon.localhost", booked.ImAddress);
    }

    /// <summary>The routing core (bob: billing 5) and the IM gateway on a component link to Prosody.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _running = [];

        private Stack(RoutingEngine engine) => Engine = engine;

        public RoutingEngine Engine { get; }
        public FakeBooking Booking { get; } = new();
        public List<InteractionRequest> Submitted { get; } = [];

        public static async Task<Stack> StartAsync(int componentPort)
        {
            var definition = new ContactCenterDefinition(
                [new AgentDefinition("bob", "Bob Baker", new Dictionary<string, int> { ["billing"] = 5 }, new ChannelCapacity(1, 3, 1))],
                [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 }), new QueueDefinition("billing", new Dictionary<string, int> { ["billing"] = 1 })],
                new RoutingOptions());
            var stack = new Stack(new RoutingEngine(definition, TimeProvider.System));
            var link = new ComponentLink(new ComponentLinkOptions { Host = "127.0.0.1", Port = componentPort, Domain = Domain, Secret = Secret },
                TimeProvider.System, NullLogger<ComponentLink>.Instance);
            var settings = new ImHarness(Domain).Settings;
            var gateway = new ImGateway(settings, link, new RecordingRouting(new EngineImRouting(stack.Engine), stack.Submitted), stack.Booking,
                new FakeCustomers(), new FakeTranscripts(), TimeProvider.System, NullLogger<ImGateway>.Instance);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            link.StateChanged += s => { if (s == ComponentLinkState.Ready) ready.TrySetResult(); };
            var events = stack.Engine.Subscribe();
            stack._running.Add(stack.Engine.RunAsync(stack._stop.Token));
            stack._running.Add(gateway.RunAsync(events, stack._stop.Token));
            stack._running.Add(link.RunAsync(gateway, stack._stop.Token));
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return stack;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
    }

    private sealed class RecordingRouting(IImRouting inner, List<InteractionRequest> submitted) : IImRouting
    {
        public Task<SubmitResult> SubmitAsync(InteractionRequest request, CancellationToken cancellationToken)
        {
            lock (submitted) submitted.Add(request);
            return inner.SubmitAsync(request, cancellationToken);
        }

        public Task<CommandResult> AcceptOfferAsync(string agentId, string interactionId, CancellationToken cancellationToken) => inner.AcceptOfferAsync(agentId, interactionId, cancellationToken);
        public Task<CommandResult> MarkConnectedAsync(string interactionId, CancellationToken cancellationToken) => inner.MarkConnectedAsync(interactionId, cancellationToken);
        public Task<CommandResult> EndAsync(string interactionId, CancellationToken cancellationToken) => inner.EndAsync(interactionId, cancellationToken);
        public Task<CommandResult> AbandonAsync(string interactionId, string reason, CancellationToken cancellationToken) => inner.AbandonAsync(interactionId, reason, cancellationToken);
    }
}

using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Testing;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests;

/// <summary>Records every stanza the gateway sends.</summary>
internal sealed class RecordingOutlet : IStanzaOutlet
{
    private readonly List<XElement> _sent = [];

    public IReadOnlyList<XElement> Sent
    {
        get { lock (_sent) return [.. _sent]; }
    }

    public ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        lock (_sent) _sent.Add(new XElement(stanza));
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<XElement> To(string jid) => [.. Sent.Where(s => (string?)s.Attribute("to") == jid)];

    public List<string> BodiesTo(string jid) =>
        [.. To(jid).Select(s => s.Element(XmppNamespaces.Client + "body")?.Value).OfType<string>()];

    public void Clear()
    {
        lock (_sent) _sent.Clear();
    }
}

/// <summary>The routing core as the gateway sees it, answering at once; the test plays the core's events.</summary>
internal sealed class FakeRouting : IImRouting
{
    public List<InteractionRequest> Submitted { get; } = [];
    public List<string> Calls { get; } = [];
    public InteractionState SubmitState { get; set; } = InteractionState.Queued;
    public WaitEstimate Ewt { get; set; } = new(150, 60, 300, 1, 10);
    public int SubmitPosition { get; set; } = 1;
    public CommandResult AcceptResult { get; set; } = CommandResult.Ok;

    /// <summary>What the core says of an interaction when asked (place and wait as the queue moves); null: gone.</summary>
    public InteractionStatus? Status { get; set; }

    public int StatusQueries { get; private set; }

    public Task<SubmitResult> SubmitAsync(InteractionRequest request, CancellationToken cancellationToken)
    {
        Submitted.Add(request);
        var id = $"i{Submitted.Count}";
        Calls.Add($"submit {id} {request.QueueId}");
        return Task.FromResult(new SubmitResult(id, SubmitState, null, SubmitPosition, Ewt));
    }

    public Task<CommandResult> AcceptOfferAsync(string agentId, string interactionId, CancellationToken cancellationToken)
    {
        Calls.Add($"accept {agentId} {interactionId}");
        return Task.FromResult(AcceptResult);
    }

    public Task<CommandResult> MarkConnectedAsync(string interactionId, CancellationToken cancellationToken)
    {
        Calls.Add($"connected {interactionId}");
        return Task.FromResult(CommandResult.Ok);
    }

    public Task<CommandResult> EndAsync(string interactionId, CancellationToken cancellationToken)
    {
        Calls.Add($"end {interactionId}");
        return Task.FromResult(CommandResult.Ok);
    }

    public Task<CommandResult> AbandonAsync(string interactionId, string reason, CancellationToken cancellationToken)
    {
        Calls.Add($"abandon {interactionId} {reason}");
        return Task.FromResult(CommandResult.Ok);
    }

    public Task<InteractionStatus?> GetStatusAsync(string interactionId, CancellationToken cancellationToken)
    {
        StatusQueries++;
        return Task.FromResult(Status);
    }
}

internal sealed class FakeBooking : IImCallbackBooking
{
    public List<ImCallbackRequest> Booked { get; } = [];

    public ValueTask<ImCallbackReceipt> BookAsync(ImCallbackRequest request, CancellationToken cancellationToken)
    {
        Booked.Add(request);
        return ValueTask.FromResult(new ImCallbackReceipt(true, $"cb{Booked.Count}"));
    }
}

internal sealed class FakeCustomers : ICustomerRepository
{
    public Dictionary<string, Customer> ByIm { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ByIm.Values.FirstOrDefault(c => c.Id == customerId));

    public ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default) => ValueTask.FromResult<Customer?>(null);

    public ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ByIm.GetValueOrDefault(address));

    public ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

internal sealed class FakeTranscripts : IInteractionTranscriptRepository
{
    public List<TranscriptLine> Lines { get; } = [];

    public ValueTask AppendAsync(IReadOnlyList<TranscriptLine> lines, CancellationToken cancellationToken = default)
    {
        Lines.AddRange(lines);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<TranscriptLine>> GetAsync(string interactionId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<TranscriptLine>>([.. Lines.Where(l => l.InteractionId == interactionId)]);
}

/// <summary>The IM gateway on the demo flow with fakes around it and a manual clock.</summary>
internal sealed class ImHarness
{
    public const string Guest = "guest-1f3a@localhost/slix";
    public const string GuestBare = "guest-1f3a@localhost";
    public const string Support = "support@localhost";
    public const string Billing = "billing@localhost";
    public const string Bob = "bob@localhost";
    public const string BobFull = "bob@localhost/desk";

    public ImHarness(string domain = "localhost", GatewayTexts? texts = null, Func<ImGatewaySettings, ImGatewaySettings>? adjust = null)
    {
        var settings = new ImGatewaySettings
        {
            Domain = domain,
            AgentDomain = "localhost",
            SupportLocalPart = "support",
            SupportFlow = DemoFlow(),
            Catalog = Catalog(),
            Texts = texts ?? GatewayTexts.English,
            Queues = [new ImQueueAddress("sales", "sales", "Sales"), new ImQueueAddress("billing", "billing", "Billing")],
        };
        Settings = adjust is null ? settings : adjust(settings);
        Gateway = new ImGateway(Settings, Outlet, Routing, Booking, Customers, Transcripts, Clock, NullLogger<ImGateway>.Instance);
    }

    public ImGatewaySettings Settings { get; }
    public ManualTimeProvider Clock { get; } = new();
    public RecordingOutlet Outlet { get; } = new();
    public FakeRouting Routing { get; } = new();
    public FakeBooking Booking { get; } = new();
    public FakeCustomers Customers { get; } = new();
    public FakeTranscripts Transcripts { get; } = new();
    public ImGateway Gateway { get; }
    private long _sequence;

    public static FlowCatalog Catalog() => new(
        new Dictionary<string, FlowDefinition> { ["main"] = DemoFlow() },
        new Dictionary<string, PromptDefinition>
        {
            ["welcome"] = new("welcome", "welcome.wav", "Welcome to the demo contact centre."),
            ["menu"] = new("menu", "menu.wav", "For sales, press 1. For billing, press 2. To be called back, press 9."),
            ["invalid"] = new("invalid", "invalid.wav", "Sorry, that is not an option."),
            ["queued"] = new("queued", "queued.wav", "Thank you. Please hold."),
            ["callback"] = new("callback", "callback.wav", "Thank you. We will call you back as soon as an agent is free."),
            ["goodbye"] = new("goodbye", "goodbye.wav", "Goodbye."),
        });

    public static FlowDefinition DemoFlow() => new("main", "welcome", new Dictionary<string, FlowStep>
    {
        ["welcome"] = new SayStep("welcome", "welcome", "menu"),
        ["menu"] = new MenuStep("menu", "menu", "invalid",
            new Dictionary<string, string> { ["1"] = "to-sales", ["2"] = "to-billing", ["9"] = "callback" },
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["sales"] = "1", ["billing"] = "2", ["call back"] = "9" },
            TimeSpan.FromSeconds(5), 2, "bye"),
        ["to-sales"] = new QueueStep("to-sales", "sales", "queued", null),
        ["to-billing"] = new QueueStep("to-billing", "billing", "queued", null),
        ["callback"] = new CallbackStep("callback", "sales", "callback", "bye"),
        ["bye"] = new HangupStep("bye", "goodbye"),
    });

    public static XElement Message(string from, string to, string? body, string? chatState = null, string? id = null, params XElement[] extra)
    {
        var m = new XElement(XmppNamespaces.Client + "message", new XAttribute("from", from), new XAttribute("to", to), new XAttribute("type", "chat"));
        if (id is not null) m.SetAttributeValue("id", id);
        if (body is not null) m.Add(new XElement(XmppNamespaces.Client + "body", body));
        if (chatState is not null) m.Add(new XElement(XmppNamespaces.ChatStates + chatState));
        foreach (var e in extra) m.Add(e);
        return m;
    }

    public Task Send(XElement stanza) => Gateway.HandleAsync(stanza).AsTask();

    public Task Say(string from, string to, string? body, string? chatState = null) => Send(Message(from, to, body, chatState));

    /// <summary>Answers the gateway's disco#info and version probes like a client (features given).</summary>
    public async Task AnswerProbes(string customer, params string[] features)
    {
        foreach (var iq in Outlet.To(customer).Where(s => s.Name.LocalName == "iq" && (string?)s.Attribute("type") == "get").ToList())
        {
            var id = (string)iq.Attribute("id")!;
            var from = (string)iq.Attribute("from")!;
            XElement payload = iq.Element(XmppNamespaces.DiscoInfo + "query") is not null
                ? new XElement(XmppNamespaces.DiscoInfo + "query", features.Select(f => new XElement(XmppNamespaces.DiscoInfo + "feature", new XAttribute("var", f))))
                : new XElement(XmppNamespaces.Version + "query", new XElement(XmppNamespaces.Version + "name", "slixmpp"),
                    new XElement(XmppNamespaces.Version + "version", "1.8.5"), new XElement(XmppNamespaces.Version + "os", "Linux"));
            await Send(new XElement(XmppNamespaces.Client + "iq", new XAttribute("from", customer), new XAttribute("to", from),
                new XAttribute("type", "result"), new XAttribute("id", id), payload));
        }
    }

    /// <summary>A guest who wrote to support@ and answered the probes: the menu is shown.</summary>
    public async Task GuestAtMenu(string first = "hi", params string[] features)
    {
        await Say(Guest, Support, first);
        await AnswerProbes(Guest, features);
    }

    /// <summary>A guest who wrote "hello" to support@, answered the probes and chose billing (2).</summary>
    public async Task GuestQueuedInBilling(params string[] features)
    {
        await GuestAtMenu("hello, my invoice is wrong", features);
        await Say(Guest, Support, "2");
    }

    public Task Event(CoreEvent e) => Gateway.OnCoreEventAsync(e with { Sequence = ++_sequence, At = Clock.GetUtcNow() }, default).AsTask();

    public InteractionView View(int n = 1, InteractionState state = InteractionState.Queued, string? agent = null)
    {
        var request = Routing.Submitted[n - 1];
        return new InteractionView($"i{n}", request, request.QueueId, state, agent, Clock.GetUtcNow(), Clock.GetUtcNow());
    }

    public Offer Offer(string agent = "bob", int n = 1) =>
        new($"o{n}", $"i{n}", agent, Routing.Submitted[n - 1].QueueId, InteractionChannel.Im, Clock.GetUtcNow(), Clock.GetUtcNow().AddSeconds(15), 12, View(n));

    /// <summary>The conversation address the agent was offered the chat from.</summary>
    public string ConversationAddress(string agent = Bob) =>
        (string)Outlet.To(agent).First(s => s.Name.LocalName == "message").Attribute("from")!;

    /// <summary>Queued, offered to bob, and bob answered from his desk client.</summary>
    public async Task<string> Connected()
    {
        await GuestQueuedInBilling();
        await Event(new OfferMade(Offer()));
        var chat = ConversationAddress();
        await Say(BobFull, chat, "Hello, Bob from billing here.");
        return chat;
    }
}

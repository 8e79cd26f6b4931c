namespace Ccgw.Configuration;

/// <summary>
/// The whole configuration file, bound from JSON plus <c>CCGW__Section__Key</c> environment overrides.
/// Every property here is a key the validator accepts; anything else in the file is reported as unknown.
/// Paths are relative to the directory of the configuration file.
/// </summary>
public sealed class GatewayOptions
{
    public SiteOptions Site { get; set; } = new();
    public DataOptions Data { get; set; } = new();

    /// <summary>Which database engine keeps the durable state (issue 22): <c>Storage:Engine</c>.</summary>
    public StorageOptions Storage { get; set; } = new();
    public ListenersOptions Listeners { get; set; } = new();
    public HttpOptions Http { get; set; } = new();
    public AdminOptions Admin { get; set; } = new();
    public RoutingSettings Routing { get; set; } = new();
    public List<AgentOptions> Agents { get; set; } = [];
    public List<SupervisorOptions> Supervisors { get; set; } = [];
    public List<QueueOptions> Queues { get; set; } = [];
    public ImOptions Im { get; set; } = new();
    public PromptOptions Prompts { get; set; } = new();
    public Dictionary<string, FlowOptions> Flows { get; set; } = new(StringComparer.Ordinal);
    public List<TrunkOptions> Trunks { get; set; } = [];

    /// <summary>Every trunk's dial-out policy unless the trunk has its own <c>Trunks[].DialOut</c>.</summary>
    public DialOutOptions DialOut { get; set; } = new();
    public CustomerSeedOptions Customers { get; set; } = new();
    public SelfHelpOptions SelfHelp { get; set; } = new();

    /// <summary>Outgoing mail: <c>Mail:Smtp</c>.</summary>
    public MailOptions Mail { get; set; } = new();

    /// <summary>The customer portal at <c>/me</c>.</summary>
    public PortalOptions Portal { get; set; } = new();
    public MqttOptions Mqtt { get; set; } = new();
    public XmppOptions Xmpp { get; set; } = new();
    public VoiceOptions Voice { get; set; } = new();
    public SipOptions Sip { get; set; } = new();

    /// <summary>The staff consoles in the browser (issue 19).</summary>
    public ConsoleOptions Consoles { get; set; } = new();

    /// <summary>The standard Microsoft.Extensions.Logging section; validated for level names only.</summary>
    public LoggingOptions Logging { get; set; } = new();

    /// <summary>The active/standby pair (issue 22); absent: a single node.</summary>
    public PairOptions Pair { get; set; } = new();
}

public sealed class SiteOptions
{
    public string Name { get; set; } = "Contact centre";
    public string SipDomain { get; set; } = "localhost";
    public string XmppDomain { get; set; } = "localhost";
}

public sealed class DataOptions
{
    /// <summary>Directory holding the SQLite database and generated certificates.</summary>
    public string Directory { get; set; } = "data";
}

public sealed class ListenersOptions
{
    public ListenerOptions Http { get; set; } = new() { Port = 8080 };

    /// <summary>The web server over TLS (help page, APIs, HSTS); off unless enabled with a certificate.</summary>
    public TlsListenerOptions Https { get; set; } = new() { Port = 8443, Enabled = false };
    public ListenerOptions SipUdp { get; set; } = new() { Port = 5060 };
    public ListenerOptions SipTcp { get; set; } = new() { Port = 5060 };
    public TlsListenerOptions SipTls { get; set; } = new() { Port = 5061, Enabled = false };
    public TlsListenerOptions Xmpp { get; set; } = new() { Port = 5222 };
    public TlsListenerOptions Mqtt { get; set; } = new() { Port = 1883 };
    public PortRangeOptions Rtp { get; set; } = new();

    /// <summary>Open connections each TCP listener (Http, SipTcp, SipTls, Xmpp, Mqtt) holds at most; more are closed on accept.</summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>
    /// Open connections one source address may hold on each TCP listener. Sized for an office behind one NAT address
    /// (every agent holds one XMPP, one MQTT and a few HTTP connections); an address beyond it has its new ones closed.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = DefaultMaxConnectionsPerAddress;

    public const int DefaultMaxConnections = 10_000;
    public const int DefaultMaxConnectionsPerAddress = 256;
}

public class ListenerOptions
{
    public bool Enabled { get; set; } = true;
    public string Address { get; set; } = "127.0.0.1";
    public int Port { get; set; }
}

public sealed class TlsListenerOptions : ListenerOptions
{
    /// <summary>PEM or PFX certificate file; when empty a self-signed one is generated into the data directory where the protocol allows.</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM private key file when <see cref="Certificate"/> is a PEM certificate.</summary>
    public string? CertificateKey { get; set; }
}

public sealed class PortRangeOptions
{
    public string Address { get; set; } = "127.0.0.1";
    public int PortMin { get; set; } = 20000;
    public int PortMax { get; set; } = 20999;
}

public sealed class AdminOptions
{
    /// <summary>SHA-256 of the bearer token, hex. Preferred: the file then holds no secret.</summary>
    public string? TokenSha256 { get; set; }

    /// <summary>The bearer token itself; accepted for demos, hashed on load and never logged.</summary>
    public string? Token { get; set; }
}

public sealed class RoutingSettings
{
    public int OfferTimeoutSeconds { get; set; } = 15;
    public int WrapUpSeconds { get; set; } = 30;
    public int DeviceLostGraceSeconds { get; set; } = 60;

    /// <summary>The sliding window <c>ccgw_queue_service_level_ratio</c> is computed over (docs/observability.md).</summary>
    public int ServiceLevelWindowSeconds { get; set; } = 900;
}

public sealed class AgentOptions
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }

    /// <summary>Plain password (demo convenience): hashed at load, never stored or logged.</summary>
    public string? Password { get; set; }

    /// <summary>A credential produced by <c>ccgwctl hash-password</c>.</summary>
    public string? PasswordHash { get; set; }

    public Dictionary<string, int> Skills { get; set; } = new(StringComparer.Ordinal);
    public CapacityOptions Capacity { get; set; } = new();
    public List<string> Devices { get; set; } = [];

    /// <summary>What the agent's desk can handle (e.g. <c>xhtml-im</c>, <c>legacy-client</c>); matched by queues' requirements and compatibility rules.</summary>
    public List<string> Capabilities { get; set; } = [];

    /// <summary>SDES-SRTP towards the agent's phone: <c>off</c> (default), <c>optional</c> (RTP/AVP with a=crypto) or <c>required</c> (RTP/SAVP).</summary>
    public string Srtp { get; set; } = "off";
}

public sealed class SupervisorOptions
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public string? Password { get; set; }
    public string? PasswordHash { get; set; }
}

public sealed class CapacityOptions
{
    public int Voice { get; set; } = 1;
    public int Im { get; set; } = 3;
    public int Callback { get; set; } = 1;

    /// <summary>Blending: when false an agent busy on voice is not offered IM at the same time.</summary>
    public bool ImWhileOnVoice { get; set; }
}

public sealed class QueueOptions
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public Dictionary<string, int> Skills { get; set; } = new(StringComparer.Ordinal);
    public int Priority { get; set; } = 5;
    public ServiceLevelOptions ServiceLevel { get; set; } = new();
    public OverflowOptions? Overflow { get; set; }
    public List<WideningOptions> Widening { get; set; } = [];

    /// <summary>Local part of the XMPP queue address, e.g. <c>sales</c> for sales@domain.</summary>
    public string? ImAddress { get; set; }

    /// <summary>Prompt played while waiting (music on hold).</summary>
    public string? HoldPrompt { get; set; }

    /// <summary>Call-back booking and dialling (mode, slot cap, window, retries).</summary>
    public CallbackOptions Callbacks { get; set; } = new();

    /// <summary>Agent capabilities every interaction of this queue needs (all of them).</summary>
    public List<string> RequiredAgentCapabilities { get; set; } = [];

    /// <summary>Compatibility routing (seed 004): client software or feature → the agent capability such a chat needs.</summary>
    public List<CompatibilityOptions> Compatibility { get; set; } = [];
}

/// <summary>One compatibility rule: chats whose client matches go only to agents having <see cref="AgentCapability"/>.</summary>
public sealed class CompatibilityOptions
{
    /// <summary>XEP-0092 software name of the customer's client (case-insensitive), e.g. <c>Gajim</c>.</summary>
    public string? ClientSoftware { get; set; }

    /// <summary>XEP-0030 feature the client announces, e.g. <c>http://jabber.org/protocol/xhtml-im</c>.</summary>
    public string? ClientFeature { get; set; }

    public string AgentCapability { get; set; } = "";
}

public sealed class ServiceLevelOptions
{
    public int Seconds { get; set; } = 20;
    public double Target { get; set; } = 0.8;
}

public sealed class OverflowOptions
{
    public int AfterSeconds { get; set; }
    public string Queue { get; set; } = "";
}

public sealed class WideningOptions
{
    public int AfterSeconds { get; set; }
    public int MinLevel { get; set; } = 1;
}

public sealed class ImOptions
{
    /// <summary>Local part of the general address that asks first (support@domain).</summary>
    public string SupportAddress { get; set; } = "support";

    /// <summary>Flow run by the general address and by queue addresses without their own.</summary>
    public string Flow { get; set; } = "main";
    public ImComponentOptions Component { get; set; } = new();

    /// <summary>The gateway's own chat sentences by name (<c>Ccgw.Core.Flows.GatewayTexts</c>); names left out keep the English default.</summary>
    public Dictionary<string, string> Texts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The least time the bot's menu waits for a typed answer: flows are written for keypads (a few seconds per step)
    /// and a step's shorter timeout is raised to this over IM, since people typing need longer.
    /// </summary>
    public int MinimumInputSeconds { get; set; } = 60;

    /// <summary>How long the bot waits for a phone number after offering a call-back.</summary>
    public int CallbackNumberSeconds { get; set; } = 180;

    /// <summary>How long a first contact waits for the client's XEP-0030/XEP-0092 answers before the dialogue starts anyway.</summary>
    public int CapabilityProbeSeconds { get; set; } = 5;

    /// <summary>Conversations held at once; a new customer beyond it is turned away with a resource-constraint error.</summary>
    public int MaxConversations { get; set; } = 10_000;

    /// <summary>
    /// How often the bot looks again at a waiting customer's place and estimated wait, and so the most often it tells
    /// them; 0: only on entry.
    /// </summary>
    public int QueueUpdateSeconds { get; set; } = 30;

    /// <summary>How far the estimated wait must move to be told again (a better place always is).</summary>
    public int QueueUpdateWaitChangeSeconds { get; set; } = 60;
}

public sealed class PromptOptions
{
    /// <summary>Directory of the prompt WAV files (8 kHz mu-law, A-law or 16-bit PCM).</summary>
    public string Directory { get; set; } = "prompts";

    /// <summary>Prompt id to its file and the text used when the same flow runs over IM.</summary>
    public Dictionary<string, PromptItemOptions> Items { get; set; } = new(StringComparer.Ordinal);
}

public sealed class PromptItemOptions
{
    public string File { get; set; } = "";
    public string Text { get; set; } = "";
}

/// <summary>A channel-neutral IVR/IM dialogue: steps by id, starting at <see cref="Start"/>.</summary>
public sealed class FlowOptions
{
    public string Start { get; set; } = "";
    public Dictionary<string, FlowStepOptions> Steps { get; set; } = new(StringComparer.Ordinal);
}

public sealed class FlowStepOptions
{
    /// <summary>say, menu, collect, queue, callback, hangup, goto.</summary>
    public string Type { get; set; } = "";
    public string? Prompt { get; set; }
    public string? Next { get; set; }

    /// <summary>menu: key (digit) to the step it leads to.</summary>
    public Dictionary<string, string> Options { get; set; } = new(StringComparer.Ordinal);

    /// <summary>menu over IM: words that stand for a key, e.g. "sales" for "1".</summary>
    public Dictionary<string, string> Words { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int TimeoutSeconds { get; set; } = 5;
    public int Retries { get; set; } = 2;
    public string? InvalidPrompt { get; set; }
    public string? OnFailure { get; set; }

    /// <summary>collect: number of digits and the terminating key.</summary>
    public int MaxDigits { get; set; } = 1;
    public string? Variable { get; set; }

    /// <summary>queue / callback: the queue it enters.</summary>
    public string? Queue { get; set; }

    /// <summary>Any step: the product a customer reaching it asks about (e.g. the step a menu option leads to); recorded on the interaction.</summary>
    public string? Product { get; set; }
}

public sealed class TrunkOptions
{
    public string Id { get; set; } = "";

    /// <summary>Source addresses allowed to send calls (IP or CIDR).</summary>
    public List<string> AllowFrom { get; set; } = [];

    /// <summary>Optional digest credentials the peer must present.</summary>
    public string? Username { get; set; }
    public string? Password { get; set; }

    public TrunkPeerOptions? Outbound { get; set; }

    /// <summary>The number call-backs show the customer (the user part of From); empty: "callback".</summary>
    public string? CallerId { get; set; }
    public TrunkRegistrationOptions? Register { get; set; }
    public int KeepaliveSeconds { get; set; } = 30;

    /// <summary>Dialled number to the flow it enters.</summary>
    public Dictionary<string, string> Dids { get; set; } = new(StringComparer.Ordinal);

    /// <summary>This trunk's dial-out policy, replacing the top-level <c>DialOut</c> as a whole; null: that default.</summary>
    public DialOutOptions? DialOut { get; set; }
}

public sealed class TrunkPeerOptions
{
    public string Host { get; set; } = "";

    /// <summary>
    /// Omitted: a host name is looked up by DNS SRV (RFC 3263 §4.2; _sip._udp, _sip._tcp or _sips._tcp by
    /// <see cref="Transport"/>), falling back to the name's A/AAAA on 5060 (5061 for tls); an IP address gets 5060/5061.
    /// </summary>
    public int? Port { get; set; }

    public string Transport { get; set; } = "udp";
}

public sealed class TrunkRegistrationOptions
{
    public string Registrar { get; set; } = "";
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public int ExpiresSeconds { get; set; } = 3600;
}

public sealed class CustomerSeedOptions
{
    /// <summary>JSON file of customer records upserted into the database at start; optional.</summary>
    public string? SeedFile { get; set; }
}

public sealed class MqttOptions
{
    public const string ModeEmbedded = "embedded";
    public const string ModeExternal = "external";

    /// <summary><c>embedded</c> (ccgw is the broker, Listeners:Mqtt and /mqtt) or <c>external</c> (ccgw is a client of a site's broker).</summary>
    public string Mode { get; set; } = ModeEmbedded;

    /// <summary>The site's broker; used when <see cref="Mode"/> is <c>external</c>.</summary>
    public MqttExternalOptions External { get; set; } = new();

    /// <summary>
    /// Embedded broker: the longest keep-alive a client may use (MQTT 5 Server Keep Alive, §3.2.2.3.14), 1-65535 s;
    /// unset, clients choose. A v5 client asking for 0 or more is told this value; a v3.1.1 client is refused (0x02).
    /// </summary>
    public int? MaximumKeepAliveSeconds { get; set; }
}

public sealed class MqttExternalOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 1883;
    public bool Tls { get; set; }

    /// <summary>Certificate name the broker must present when <see cref="Tls"/> is on; defaults to <see cref="Host"/>.</summary>
    public string? TlsServerName { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }
    public string ClientId { get; set; } = "ccgw";
    public int KeepAliveSeconds { get; set; } = 30;
}

public sealed class LoggingOptions
{
    public Dictionary<string, string> LogLevel { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Console formatter settings, passed to Microsoft.Extensions.Logging as they are.</summary>
    [FreeFormSection]
    public Dictionary<string, string> Console { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Marks a section whose keys belong to another component and are not checked against this schema.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FreeFormSectionAttribute : Attribute;

using System.Net;
using Ccgw.Daemon.Channels;
using Ccgw.Sip;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Core;
using Ccgw.Sip.Transport;
using Ccgw.Voice;
using Ccgw.Voice.Edge;
using Ccgw.Voice.Trunks;

namespace Ccgw.Daemon;

/// <summary>The SIP channel's configuration, mapped onto the option and settings types of Ccgw.Sip and Ccgw.Voice (no decisions here).</summary>
internal static partial class DaemonHost
{
    private static SipStackOptions StackOptions(LoadedConfiguration config, ListenerCaps caps, System.Diagnostics.Metrics.IMeterFactory meters,
        TrunkDirectory trunks, ListenerCertificates certificates)
    {
        var options = config.Options;
        var l = options.Listeners;
        var tls = l.SipTls.Enabled ? certificates.Configured("Listeners:SipTls", l.SipTls, config.Context) : null;
        return new SipStackOptions
        {
            Domain = options.Site.SipDomain,
            UserAgent = $"ccgw/{BuildInfo.Version}",
            Transport = new SipTransportOptions
            {
                Udp = l.SipUdp.Enabled ? new IPEndPoint(IPAddress.Parse(l.SipUdp.Address), l.SipUdp.Port) : null,
                Tcp = l.SipTcp.Enabled ? new IPEndPoint(IPAddress.Parse(l.SipTcp.Address), l.SipTcp.Port) : null,
                Tls = tls is null ? null : new IPEndPoint(IPAddress.Parse(l.SipTls.Address), l.SipTls.Port),
                TlsCertificate = tls?.Current,
                TlsCertificateSelector = tls is null ? null : () => tls.Current,
                AdmitConnection = caps.AdmitSip,
            },
            Pike = new SipPikeSettings
            {
                Requests = options.Sip.Pike.Requests,
                Window = TimeSpan.FromSeconds(options.Sip.Pike.WindowSeconds),
                Block = TimeSpan.FromSeconds(options.Sip.Pike.BlockSeconds),
                IsExempt = TrunkNetworks(trunks),
            },
            Meters = meters,
            Digest = new SipDigestOptions
            {
                Realm = options.Site.SipDomain,
                NonceKey = NonceKeyFile.LoadOrCreate(Path.Combine(config.Context.Resolve(options.Data.Directory), "sip-nonce.key")),
                Algorithms = [.. options.Sip.EffectiveDigestAlgorithms.Select(a =>
                    a.Equals("MD5", StringComparison.OrdinalIgnoreCase) ? DigestAlgorithm.Md5 : DigestAlgorithm.Sha256)],
            },
        };
    }

    /// <summary>
    /// The running trunks' AllowFrom addresses and networks (validated before they run): a PBX's rate is the whole
    /// site's, so pike leaves it alone. Parsed again only when the trunk list changes (provisioning, reload).
    /// </summary>
    private static Func<IPAddress, bool> TrunkNetworks(TrunkDirectory trunks)
    {
        var parsed = new ParsedNetworks(-1, []);
        return address =>
        {
            var current = Volatile.Read(ref parsed);
            if (current.Version != trunks.Version)
            {
                var version = trunks.Version;
                current = new ParsedNetworks(version, [.. trunks.Trunks.SelectMany(t => t.AllowFrom)
                    .Select(text => IPNetwork.TryParse(text, out var network) ? network
                        : IPAddress.TryParse(text, out var a) ? new IPNetwork(a, a.GetAddressBytes().Length * 8)
                        : (IPNetwork?)null)
                    .OfType<IPNetwork>()]);
                Volatile.Write(ref parsed, current);
            }
            return current.Networks.Any(n => n.Contains(address));
        };
    }

    private sealed record ParsedNetworks(long Version, IPNetwork[] Networks);

    private static VoiceSettings VoiceSettingsFrom(GatewayOptions options, ConfigContext context, Core.Callbacks.CallbackPolicies callbackPolicies)
    {
        var v = options.Voice;
        var rtp = options.Listeners.Rtp;
        return new VoiceSettings
        {
            Domain = options.Site.SipDomain,
            MediaAddress = IPAddress.Parse(rtp.Address),
            RtpPortMin = rtp.PortMin,
            RtpPortMax = rtp.PortMax,
            Trunks = [.. options.Trunks.Select(t => Trunk(options, t))],
            AnnounceEvery = TimeSpan.FromSeconds(v.AnnounceEverySeconds),
            MusicOnHoldPrompt = string.IsNullOrEmpty(v.MusicOnHold) ? null : v.MusicOnHold,
            HoldPrompts = options.Queues.Where(q => !string.IsNullOrEmpty(q.HoldPrompt))
                .ToDictionary(q => q.Id, q => q.HoldPrompt!, StringComparer.Ordinal),
            PositionPrompt = v.PositionPrompt,
            WaitPrompt = v.WaitPrompt,
            MinutesPrompt = v.MinutesPrompt,
            UnderAMinutePrompt = v.UnderAMinutePrompt,
            NumbersDirectory = context.Resolve(options.Prompts.Directory, v.NumbersDirectory),
            AgentRingTimeout = TimeSpan.FromSeconds(v.AgentRingSeconds),
            AgentSrtp = options.Agents.Where(a => a.Srtp != "off").ToDictionary(a => a.Id, a => a.Srtp == "required"
                ? Ccgw.Media.Srtp.SrtpPolicy.Required : Ccgw.Media.Srtp.SrtpPolicy.Optional, StringComparer.Ordinal),
            CustomerRingTimeout = TimeSpan.FromSeconds(v.CustomerRingSeconds),
            MaxCallDuration = TimeSpan.FromSeconds(v.MaxCallSeconds),
            RtpTimeout = TimeSpan.FromSeconds(v.RtpTimeoutSeconds),
            PacingSubSlots = v.PacingSubSlots,
            PacingOnTimerFd = v.PacingClock == "timerfd",
            PacingNice = v.PacingNice,
            SessionTimers = new Sip.Dialogs.SessionTimerPolicy(v.SessionExpiresSeconds, v.MinSessionExpiresSeconds),
            DialogProbeInterval = TimeSpan.FromSeconds(v.DialogProbeSeconds),
            CallbackPolicies = callbackPolicies,
            CallbackTrunks = options.Queues.Where(q => !string.IsNullOrEmpty(q.Callbacks.Trunk))
                .ToDictionary(q => q.Id, q => q.Callbacks.Trunk!, StringComparer.Ordinal),
            CallbackGreetingPrompt = string.IsNullOrEmpty(v.CallbackGreetingPrompt) ? null : v.CallbackGreetingPrompt,
            CallbackAgentPrompt = string.IsNullOrEmpty(v.CallbackAgentPrompt) ? null : v.CallbackAgentPrompt,
        };
    }

    internal static VoiceTrunk Trunk(GatewayOptions options, TrunkOptions t) =>
        new(t.Id, new Dictionary<string, string>(t.Dids, StringComparer.Ordinal),
            t.Outbound is { } peer ? new SipPeer(peer.Host, peer.Port, SipPeerResolver.TransportNamed(peer.Transport)) : null,
            string.IsNullOrEmpty(t.CallerId) ? null : t.CallerId)
        {
            AllowFrom = [.. t.AllowFrom],
            Credentials = t.Username is { Length: > 0 } user ? new TrunkCredentials(user, t.Password ?? "") : null,
            KeepaliveSeconds = t.KeepaliveSeconds,
            Register = t.Register is { } r ? new TrunkRegistrationSettings(r.Registrar, new TrunkCredentials(r.Username, r.Password), r.ExpiresSeconds) : null,
            DialOut = DialOutRules.For(options, t),
        };
}

namespace Ccgw.Configuration;

/// <summary>Checks the Xmpp section: limits and timeouts within sensible bounds.</summary>
internal static class XmppRules
{
    public static void Check(XmppOptions xmpp, ConfigProblems problems)
    {
        Range(problems, "Xmpp:MaxStanzaBytes", xmpp.MaxStanzaBytes, 10_000, 16 * 1024 * 1024, "bytes; RFC 6120 §13.12 asks servers to accept at least 10000");
        Range(problems, "Xmpp:MaxDepth", xmpp.MaxDepth, 4, 256, "levels");
        Range(problems, "Xmpp:MaxAttributes", xmpp.MaxAttributes, 8, 1024, "attributes per element");
        Range(problems, "Xmpp:NegotiationTimeoutSeconds", xmpp.NegotiationTimeoutSeconds, 5, 3600, "seconds");
        Range(problems, "Xmpp:StanzaTimeoutSeconds", xmpp.StanzaTimeoutSeconds, 1, 3600, "seconds");
        Range(problems, "Xmpp:IdleTimeoutSeconds", xmpp.IdleTimeoutSeconds, 30, 86_400, "seconds (clients send whitespace keepalives every few minutes)");
        Range(problems, "Xmpp:MaxRosterItems", xmpp.MaxRosterItems, 10, 100_000, "items per account");
        Range(problems, "Xmpp:GuestMaxRosterItems", xmpp.GuestMaxRosterItems, 0, 1000, "items per guest (0: guests keep no roster)");
        Range(problems, "Xmpp:MaxDirectedPresence", xmpp.MaxDirectedPresence, 1, 10_000, "addresses per session");
        Range(problems, "Xmpp:MaxUnackedStanzas", xmpp.MaxUnackedStanzas, 10, 10_000, "stanzas (XEP-0198 queue per session)");
        Range(problems, "Xmpp:ResumeTimeoutSeconds", xmpp.ResumeTimeoutSeconds, 0, 86_400, "seconds (0 turns stream resumption off)");
    }

    private static void Range(ConfigProblems problems, string key, int value, int min, int max, string unit)
    {
        if (value < min || value > max) problems.Error(key, $"{value} is out of range; use {min}-{max} {unit}");
    }
}

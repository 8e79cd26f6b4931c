namespace Ccgw.Configuration;

/// <summary>Checks the Mqtt section: the mode and, in external mode, how to reach the site's broker.</summary>
internal static class MqttRules
{
    public static void Check(MqttOptions mqtt, ConfigProblems problems)
    {
        if (mqtt.Mode is not (MqttOptions.ModeEmbedded or MqttOptions.ModeExternal))
        {
            problems.Error("Mqtt:Mode", $"'{mqtt.Mode}' is not a mode; use \"embedded\" (ccgw is the broker) or \"external\" (ccgw connects to a site's broker)");
            return;
        }
        if (mqtt.MaximumKeepAliveSeconds is { } keepAlive and (< 1 or > 65535))
            problems.Error("Mqtt:MaximumKeepAliveSeconds", $"{keepAlive} is out of range; use 1-65535 seconds, or leave it unset to let clients choose");
        if (mqtt.Mode != MqttOptions.ModeExternal) return;
        var e = mqtt.External;
        if (string.IsNullOrWhiteSpace(e.Host))
            problems.Error("Mqtt:External:Host", "external mode needs the broker's host name or address");
        if (e.Port is < 1 or > 65535)
            problems.Error("Mqtt:External:Port", $"{e.Port} is not a port; use 1-65535 (1883, or 8883 with Tls)");
        if (string.IsNullOrEmpty(e.Username) != string.IsNullOrEmpty(e.Password))
            problems.Error($"Mqtt:External:{(string.IsNullOrEmpty(e.Username) ? "Username" : "Password")}", "set both Username and Password, or neither");
        if (string.IsNullOrWhiteSpace(e.ClientId) || e.ClientId.Length > 23 * 8)
            problems.Error("Mqtt:External:ClientId", "needs a client id (unique on the site's broker), at most 184 characters");
        if (e.KeepAliveSeconds is < 5 or > 65535)
            problems.Error("Mqtt:External:KeepAliveSeconds", $"{e.KeepAliveSeconds} is out of range; use 5-65535");
    }
}

namespace Ccgw.Configuration;

/// <summary>Checks the Consoles section (the staff consoles' reason codes, session length and queue alerts).</summary>
internal static class ConsoleRules
{
    public const int MaxReasonLength = 40;

    public static void Check(ConsoleOptions consoles, ConfigProblems problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < consoles.NotReadyReasons.Count; i++)
        {
            var reason = consoles.NotReadyReasons[i];
            var key = $"Consoles:NotReadyReasons:{i}";
            if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength || !reason.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                problems.Error(key, $"'{reason}' is not a reason code; use 1-{MaxReasonLength} letters, digits, '-' or '_' (e.g. lunch)");
            else if (!seen.Add(reason))
                problems.Error(key, $"'{reason}' is listed twice");
        }
        if (consoles.SessionHours is < 1 or > 24)
            problems.Error("Consoles:SessionHours", $"{consoles.SessionHours} is out of range; use 1-24 hours (a shift)");
        if (consoles.Alerts.ServiceLevelBelow is { } level and (< 0 or > 1 or double.NaN))
            problems.Error("Consoles:Alerts:ServiceLevelBelow", $"{level} is out of range; use a share from 0 to 1 (0.8 = 80%), or leave it unset for each queue's ServiceLevel:Target");
        if (consoles.Alerts.LongestWaitSeconds is < 1 or > 86_400)
            problems.Error("Consoles:Alerts:LongestWaitSeconds", $"{consoles.Alerts.LongestWaitSeconds} is out of range; use 1-86400 seconds");
    }
}

namespace Ccgw.Configuration;

/// <summary>The staff consoles in the browser (<c>/console</c>, <c>/supervisor</c>, issue 19).</summary>
public sealed class ConsoleOptions
{
    /// <summary>The reason codes an agent picks from when going not ready; empty: <see cref="DefaultNotReadyReasons"/>.</summary>
    public List<string> NotReadyReasons { get; set; } = [];

    /// <summary>How long a console sign-in lasts (the cookie's expiry), in hours.</summary>
    public int SessionHours { get; set; } = 10;

    public ConsoleAlertOptions Alerts { get; set; } = new();

    public static readonly IReadOnlyList<string> DefaultNotReadyReasons = ["break", "lunch", "meeting", "training", "admin"];

    public IReadOnlyList<string> EffectiveNotReadyReasons => NotReadyReasons.Count > 0 ? NotReadyReasons : DefaultNotReadyReasons;
}

/// <summary>When the supervisor console raises a queue alert.</summary>
public sealed class ConsoleAlertOptions
{
    /// <summary>Alert when a queue's service level falls below this share (0-1); unset: each queue's own ServiceLevel:Target.</summary>
    public double? ServiceLevelBelow { get; set; }

    /// <summary>Alert when a queue's longest wait reaches this many seconds.</summary>
    public int LongestWaitSeconds { get; set; } = 60;
}

namespace Ccgw.Sip;

public enum SipLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>
/// The stack's only logging seam: this project references nothing but the BCL, so the daemon adapts
/// this to ILogger. Implementations must be cheap and thread-safe.
/// </summary>
public interface ISipLog
{
    bool IsEnabled(SipLogLevel level);

    void Log(SipLogLevel level, string message, Exception? exception = null);
}

internal sealed class NullSipLog : ISipLog
{
    public static NullSipLog Instance { get; } = new();

    public bool IsEnabled(SipLogLevel level) => false;

    public void Log(SipLogLevel level, string message, Exception? exception = null)
    {
    }
}

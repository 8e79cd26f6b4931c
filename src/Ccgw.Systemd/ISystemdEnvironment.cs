namespace Ccgw.Systemd;

/// <summary>Where systemd's environment contract is read from; tests supply their own.</summary>
public interface ISystemdEnvironment
{
    string? GetVariable(string name);

    int ProcessId { get; }
}

/// <summary>The real process environment.</summary>
public sealed class SystemdProcessEnvironment : ISystemdEnvironment
{
    public string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);

    public int ProcessId => Environment.ProcessId;
}

namespace Ccgw.Configuration;

/// <summary>One thing wrong with the configuration: the key path (as used by <c>CCGW__A__B</c> overrides, with ':'),
/// what is wrong and what to do about it.</summary>
public sealed record ConfigProblem(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>Collects problems so that the whole file is reported at once, not only the first mistake.</summary>
public sealed class ConfigProblems
{
    private readonly List<ConfigProblem> _errors = [];
    private readonly List<ConfigProblem> _warnings = [];

    public IReadOnlyList<ConfigProblem> Errors => _errors;
    public IReadOnlyList<ConfigProblem> Warnings => _warnings;
    public bool HasErrors => _errors.Count > 0;

    public void Error(string key, string message) => _errors.Add(new ConfigProblem(key, message));
    public void Warning(string key, string message) => _warnings.Add(new ConfigProblem(key, message));
}

namespace Ccgw.Configuration;

/// <summary>Where relative paths in the configuration are resolved from: the configuration file's directory.</summary>
public sealed class ConfigContext(string baseDirectory)
{
    public string BaseDirectory { get; } = Path.GetFullPath(baseDirectory);

    public string Resolve(string path) => Path.GetFullPath(Path.Combine(BaseDirectory, path));

    public string Resolve(string directory, string path) => Path.GetFullPath(Path.Combine(Resolve(directory), path));

    internal bool RequireFile(string key, string path, ConfigProblems problems) => RequireFileAt(key, Resolve(path), path, problems);

    internal static bool RequireFileAt(string key, string fullPath, string written, ConfigProblems problems)
    {
        if (File.Exists(fullPath)) return true;
        problems.Error(key, $"file '{written}' not found (looked at {fullPath}); create it or correct the path");
        return false;
    }
}

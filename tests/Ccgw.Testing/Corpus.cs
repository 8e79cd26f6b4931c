using Xunit;
namespace Ccgw.Testing;

/// <summary>
/// Locates the hostile-input corpus (../shared/corpus beside the repository, or $CCGW_CORPUS).
/// The corpus is third-party data that CI provides; it is never copied into the project.
/// </summary>
public static class Corpus
{
    public static string? Root { get; } = Find();

    /// <summary>Skips the calling test visibly when the corpus (or one of its folders) is absent.</summary>
    public static string Require(string folder)
    {
        var path = Root is null ? null : Path.Combine(Root, folder);
        Skip.If(path is null || !Directory.Exists(path),
            $"corpus folder '{folder}' not found (looked for $CCGW_CORPUS and ../shared/corpus beside the repository); these corpus cases are skipped");
        return path!;
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("CCGW_CORPUS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var repo = RepoPaths.Root;
        var candidate = Path.GetFullPath(Path.Combine(repo, "..", "shared", "corpus"));
        return Directory.Exists(candidate) ? candidate : null;
    }
}

/// <summary>Paths inside the repository, found by walking up to ContactCenterGateway.sln.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ContactCenterGateway.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ContactCenterGateway.sln not found above " + AppContext.BaseDirectory);
    }
}

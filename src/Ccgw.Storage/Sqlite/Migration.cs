using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Storage.Sqlite;

/// <summary>One forward-only schema step. The checksum guards against editing a migration after it shipped.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>Embedded <c>Migrations/NNNN_name.sql</c> files of this assembly (SQLite), in version order.</summary>
    public static IReadOnlyList<Migration> Embedded() => Embedded("Ccgw.Storage.Migrations.");

    /// <summary>
    /// Embedded <c>Migrations/postgresql/NNNN_name.sql</c>: PostgreSQL's twin of each SQLite step, same version and
    /// meaning, so that one history describes both engines (each engine checks its own texts' checksums).
    /// </summary>
    public static IReadOnlyList<Migration> EmbeddedPostgres() => Embedded("Ccgw.Storage.PostgresMigrations.");

    private static IReadOnlyList<Migration> Embedded(string prefix)
    {
        var assembly = typeof(Migration).Assembly;
        var result = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var name = resource[prefix.Length..^4];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new StorageException($"embedded migration '{resource}' is not named NNNN_name.sql");
            result.Add(new Migration(version, name, Read(assembly, resource)));
        }
        result.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < result.Count; i++)
            if (result[i].Version == result[i - 1].Version)
                throw new StorageException($"two migrations share version {result[i].Version}: {result[i - 1].Name} and {result[i].Name}");
        return result;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

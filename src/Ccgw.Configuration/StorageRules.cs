using System.Data.Common;

namespace Ccgw.Configuration;

/// <summary>Checks <c>Storage</c>; every error names its key and none quotes a connection string (it may hold a password).</summary>
internal static class StorageRules
{
    public static void Check(StorageOptions storage, ConfigContext context, ConfigProblems problems)
    {
        if (!string.Equals(storage.Engine, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase) && !storage.IsPostgreSql)
        {
            problems.Error("Storage:Engine", $"'{storage.Engine}' is not a storage engine; use sqlite (the default) or postgresql");
            return;
        }
        if (!storage.IsPostgreSql)
        {
            if (storage.ConnectionString is not null || storage.PasswordFile is not null)
                problems.Warning(storage.ConnectionString is not null ? "Storage:ConnectionString" : "Storage:PasswordFile",
                    "ignored: Storage:Engine is sqlite (the database is Data:Directory/ccgw.db)");
            return;
        }
        if (storage.ConnectionString is not { Length: > 0 } text)
        {
            problems.Error("Storage:ConnectionString", "Storage:Engine postgresql needs a connection string, e.g. Host=127.0.0.1;Port=5432;Database=ccgw;Username=ccgw");
            return;
        }
        var keys = new DbConnectionStringBuilder();
        try
        {
            keys.ConnectionString = text;
        }
        catch (ArgumentException)
        {
            // The text itself is not repeated: it may carry a password.
            problems.Error("Storage:ConnectionString", "is not a connection string of key=value pairs separated by ';'");
            return;
        }
        if (!Has(keys, "Host", "Server"))
            problems.Error("Storage:ConnectionString", "names no Host (the PostgreSQL server's name or address)");
        if (!Has(keys, "Database", "DB"))
            problems.Error("Storage:ConnectionString", "names no Database");
        if (!Has(keys, "Username", "User ID", "UserId", "User Name", "UserName"))
            problems.Error("Storage:ConnectionString", "names no Username");
        if (Has(keys, "Password", "PSW", "PWD"))
        {
            if (storage.PasswordFile is not null)
                problems.Error("Storage:PasswordFile", "give the password either in the file or in Storage:ConnectionString, not both");
            else
                problems.Warning("Storage:ConnectionString", "holds a password; keep it in Storage:PasswordFile or the PGPASSWORD environment variable instead");
        }
        if (storage.PasswordFile is { Length: 0 })
            problems.Error("Storage:PasswordFile", "is empty; give the path of a file holding the password, or leave the key out");
        else if (storage.PasswordFile is { } file && !File.Exists(context.Resolve(file)))
            problems.Error("Storage:PasswordFile", $"'{file}' ({context.Resolve(file)}) is not a file");
    }

    private static bool Has(DbConnectionStringBuilder keys, params string[] names) =>
        names.Any(n => keys.TryGetValue(n, out var v) && v is string { Length: > 0 });
}

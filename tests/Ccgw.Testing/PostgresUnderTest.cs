using System.Globalization;

namespace Ccgw.Testing;

/// <summary>
/// A real PostgreSQL server from Debian's package (<c>apt-get install postgresql</c>), started by the test in a
/// temporary folder on a free loopback port and removed on dispose: no mocks, no shared server, nothing left
/// behind. PostgreSQL refuses to run as root, so under root (CI) its programs run as the <c>postgres</c> user the
/// package creates. Each test takes its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresUnderTest : IAsyncDisposable
{
    private const string User = "ccgw";
    private readonly string _bin;
    private readonly string _folder;
    private readonly ExternalProcess _server;
    private int _databases;

    private PostgresUnderTest(string bin, string folder, int port, ExternalProcess server)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
        _server = server;
    }

    public int Port { get; }

    /// <summary>Where Debian put the newest installed PostgreSQL's programs, or null when none is installed.</summary>
    public static string? BinDirectory
    {
        get
        {
            const string root = "/usr/lib/postgresql";
            if (!Directory.Exists(root)) return null;
            return Directory.GetDirectories(root)
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault();
        }
    }

    public static bool IsInstalled => BinDirectory is not null;

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<PostgresUnderTest> StartAsync()
    {
        var bin = BinDirectory ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql)");
        var folder = Directory.CreateTempSubdirectory("ccgw-pg-").FullName;
        var data = Path.Combine(folder, "data");
        if (IsRoot) await RunAsync("/bin/chown", ["postgres", folder], TimeSpan.FromSeconds(10));

        var (initdb, initArgs) = AsServerUser(Tool(bin, "initdb"),
            ["-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
        await RunAsync(initdb, initArgs, TimeSpan.FromSeconds(60));

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePorts.Tcp();
            // fsync off: the tests kill ccgw, never PostgreSQL, so the server's own crash safety is not under test.
            var (postgres, serverArgs) = AsServerUser(Tool(bin, "postgres"),
                ["-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", folder,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200", "-c", "shared_buffers=32MB"]);
            var server = ExternalProcess.Start(postgres, serverArgs);
            var instance = new PostgresUnderTest(bin, folder, port, server);
            if (await instance.WaitReadyAsync(TimeSpan.FromSeconds(60))) return instance;
            var output = server.StandardError;
            await server.DisposeAsync();
            if (attempt >= 2 || !output.Contains("could not bind", StringComparison.Ordinal))
            {
                Directory.Delete(folder, recursive: true);
                throw new InvalidOperationException($"PostgreSQL did not start on port {port}:\n{output}");
            }
        }
    }

    /// <summary>A fresh, empty database; returns its Npgsql connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"ccgw_{Interlocked.Increment(ref _databases)}";
        await RunAsync(Tool(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User, name], TimeSpan.FromSeconds(30));
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=true;Maximum Pool Size=20;Timeout=30";

    private async Task<bool> WaitReadyAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_server.HasExited) return false;
            await using var probe = await ExternalProcess.RunAsync(Tool(_bin, "pg_isready"),
                ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User], TimeSpan.FromSeconds(10));
            if (probe.ExitCode == 0) return true;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>The server's own programs refuse root: under root they run as the package's postgres user.</summary>
    private static (string Program, string[] Arguments) AsServerUser(string program, string[] arguments) =>
        IsRoot ? ("/usr/sbin/runuser", ["-u", "postgres", "--", program, .. arguments]) : (program, arguments);

    private static string Tool(string bin, string name) => Path.Combine(bin, name);

    private static async Task RunAsync(string file, string[] arguments, TimeSpan timeout)
    {
        await using var p = await ExternalProcess.RunAsync(file, arguments, timeout);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {p.ExitCode}:\n{p.StandardOutput}\n{p.StandardError}");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync(); // SIGKILL to postgres and its children: the folder goes next anyway
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A child still closing a file; the temporary folder is cleaned by the OS later.
        }
    }
}

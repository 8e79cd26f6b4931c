using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;

namespace Ccgw.Configuration;

/// <summary>The outcome of loading a configuration: the bound options when valid, and every problem found.</summary>
public sealed record LoadedConfiguration(
    GatewayOptions Options,
    ConfigContext Context,
    IConfiguration Raw,
    ConfigProblems Problems,
    string Path)
{
    public bool IsValid => !Problems.HasErrors;
}

/// <summary>
/// Loads <c>--config</c> JSON plus <c>CCGW__Section__Key</c> environment overrides and validates the result as a
/// whole, so the daemon either starts fully configured or not at all (exit 78, EX_CONFIG).
/// </summary>
public static class GatewayConfiguration
{
    public const string EnvironmentPrefix = "CCGW__";
    public const string DefaultPath = "config/ccgw.json";

    public static LoadedConfiguration Load(string path, IDictionary? environment = null)
    {
        var problems = new ConfigProblems();
        var fullPath = System.IO.Path.GetFullPath(path);
        var context = new ConfigContext(System.IO.Path.GetDirectoryName(fullPath) ?? ".");
        var builder = new ConfigurationBuilder();
        if (!File.Exists(fullPath))
            problems.Error("--config", $"file '{path}' not found (looked at {fullPath}); pass --config PATH to an existing file");
        else
            // ExclusionFilters.None: the default provider hides dot-files, which would make "--config .ccgw.json" "not found".
            // ReadableJsonSource: AddJsonFile's provider, whose keys ConfigTree reads in one pass.
            builder.Add(new ReadableJsonSource
            {
                FileProvider = new PhysicalFileProvider(context.BaseDirectory, ExclusionFilters.None),
                Path = System.IO.Path.GetFileName(fullPath),
                Optional = false,
                ReloadOnChange = false,
            });
        builder.AddInMemoryCollection(EnvironmentOverrides(environment ?? Environment.GetEnvironmentVariables()));

        IConfigurationRoot raw;
        try
        {
            raw = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            problems.Error("--config", $"'{path}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            return new LoadedConfiguration(new GatewayOptions(), context, new ConfigurationBuilder().Build(), problems, fullPath);
        }
        if (problems.HasErrors)
            return new LoadedConfiguration(new GatewayOptions(), context, raw, problems, fullPath);

        // Walked and bound as trees built once (ConfigTree): the configuration root's own walk is quadratic in the number of keys.
        var accepted = ConfigSchemaChecker.Check(ConfigTree.TryFrom(raw) ?? (IConfiguration)raw, problems);
        var options = new GatewayOptions();
        ConfigTree.Build(accepted).Bind(options);
        Validate(options, context, problems);
        return new LoadedConfiguration(options, context, raw, problems, fullPath);
    }

    /// <summary>
    /// Every key with a value, case-insensitive: read in one pass through <see cref="ConfigTree"/> when
    /// <paramref name="configuration"/> is a root <see cref="Load"/> built (AsEnumerable over a root is quadratic in
    /// its keys: seconds for a file with thousands of agents).
    /// </summary>
    public static Dictionary<string, string?> Flatten(IConfiguration configuration)
    {
        var walked = configuration is IConfigurationRoot root && ConfigTree.TryFrom(root) is { } tree ? tree : configuration;
        return walked.AsEnumerable().Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Semantic checks over bound options; also used directly by unit tests.</summary>
    public static void Validate(GatewayOptions options, ConfigContext context, ConfigProblems problems)
    {
        if (string.IsNullOrWhiteSpace(options.Data.Directory))
            problems.Error("Data:Directory", "missing; name the directory for the database (e.g. /var/lib/ccgw)");
        ListenerRules.Check(options.Listeners, options.Http, context, problems);
        HttpRules.Check(options.Http, options.Mqtt, problems);
        PeopleAndQueueRules.Check(options, problems);
        FlowAndTrunkRules.Check(options, context, problems);
        MqttRules.Check(options.Mqtt, problems);
        ConsoleRules.Check(options.Consoles, problems);
        VoiceRules.Check(options, problems);
        SipRules.Check(options.Sip, problems);
        CallbackRules.Check(options, problems);
        DialOutRules.Check(options, problems);
        XmppRules.Check(options.Xmpp, problems);
        ImComponentRules.Check(options, problems);
        ImTextRules.Check(options, problems);
        SelfHelpRules.Check(options.SelfHelp, context, problems, [.. options.Queues.Select(q => q.Id)], [.. options.Flows.Keys]);
        PortalRules.Check(options, problems);
        PairRules.Check(options.Pair, problems);
        StorageRules.Check(options.Storage, context, problems);
        if (!problems.HasErrors)
        {
            // The core checks its own invariants too; run it last as a backstop, with its paths in our key syntax.
            foreach (var problem in CoreDefinitions.From(options).Validate())
                problems.Error(CoreDefinitions.KeyPath(problem.Path), problem.Message);
        }
        foreach (var (category, level) in options.Logging.LogLevel)
            if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(level, ignoreCase: true, out _))
                problems.Error($"Logging:LogLevel:{category}", $"'{level}' is not a log level; use Trace, Debug, Information, Warning, Error, Critical or None");
    }

    /// <summary><c>CCGW__Listeners__Http__Port=9090</c> becomes <c>Listeners:Http:Port</c>.</summary>
    internal static Dictionary<string, string?> EnvironmentOverrides(IDictionary environment)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal)) continue;
            var key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (key.Length > 0) result[key] = entry.Value as string;
        }
        return result;
    }
}

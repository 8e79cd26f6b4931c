using System.Text.Json.Nodes;
using Ccgw.Configuration;
using Ccgw.Testing;

namespace Ccgw.Configuration.Tests;

/// <summary>Copies of the shipped demo configuration, edited per test, written beside the real prompt files.</summary>
internal static class DemoConfig
{
    public static string ConfigDirectory => Path.Combine(RepoPaths.Root, "config");

    public static JsonObject Read() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(ConfigDirectory, "ccgw.json")))!.AsObject();

    /// <summary>Writes the edited document next to the demo one (so relative prompt paths still resolve) and loads it.</summary>
    public static LoadedConfiguration Load(JsonObject doc, Dictionary<string, string>? environment = null)
    {
        var path = Path.Combine(ConfigDirectory, $".test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, doc.ToJsonString());
        try
        {
            return GatewayConfiguration.Load(path, environment ?? []);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static LoadedConfiguration LoadEdited(Action<JsonObject> edit, Dictionary<string, string>? environment = null)
    {
        var doc = Read();
        edit(doc);
        return Load(doc, environment);
    }
}

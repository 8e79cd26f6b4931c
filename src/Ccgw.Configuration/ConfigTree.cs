using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Primitives;

namespace Ccgw.Configuration;

/// <summary>
/// The configuration's keys as a tree built in one pass, read like <see cref="IConfigurationSection"/> by the schema
/// check and the binder. <c>ConfigurationRoot.GetChildren</c> scans every key of every provider at each call, so
/// walking or binding a file with thousands of agents was quadratic: 1,000 agents took seconds, 3,000 a minute of CPU
/// (issue 21). Here a child list is a dictionary; keys, values, order (ConfigurationKeyComparer) and case-insensitive
/// lookup are those of <c>ConfigurationRoot</c> over the same providers.
/// </summary>
internal sealed class ConfigTree : IConfigurationSection
{
    private readonly Dictionary<string, ConfigTree> _children = new(StringComparer.OrdinalIgnoreCase);
    private List<ConfigTree>? _ordered;

    private ConfigTree(string key, string path)
    {
        Key = key;
        Path = path;
    }

    public string Key { get; }

    public string Path { get; }

    public string? Value { get; set; }

    public string? this[string key]
    {
        get => Find(key)?.Value;
        set => throw new NotSupportedException("the configuration tree is read-only");
    }

    /// <summary>The tree of these keys and values; a later pair for the same key (any case) wins, as a later provider does.</summary>
    public static ConfigTree Build(IEnumerable<KeyValuePair<string, string?>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var root = new ConfigTree("", "");
        foreach (var (key, value) in pairs)
        {
            var node = root;
            foreach (var segment in key.Split(ConfigurationPath.KeyDelimiter))
                node = node.Child(segment);
            node.Value = value;
        }
        return root;
    }

    /// <summary>
    /// The tree of <paramref name="root"/> when every provider's keys can be read directly (the JSON file through
    /// <see cref="ReadableJsonSource"/>, the in-memory overrides); null otherwise, and the caller walks the root itself.
    /// </summary>
    public static ConfigTree? TryFrom(IConfigurationRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                case ReadableJsonSource.Provider json: pairs.AddRange(json.Pairs); break;
                case MemoryConfigurationProvider memory: pairs.AddRange(memory); break;
                default: return null;
            }
        }
        return Build(pairs);
    }

    public IConfigurationSection GetSection(string key) =>
        Find(key) ?? new ConfigTree(ConfigurationPath.GetSectionKey(key), Path.Length == 0 ? key : ConfigurationPath.Combine(Path, key));

    public IEnumerable<IConfigurationSection> GetChildren() =>
        _ordered ??= [.. _children.Values.OrderBy(c => c.Key, ConfigurationKeyComparer.Instance)];

    public IChangeToken GetReloadToken() => new ConfigurationReloadToken();

    private ConfigTree Child(string segment)
    {
        if (!_children.TryGetValue(segment, out var child))
        {
            child = new ConfigTree(segment, Path.Length == 0 ? segment : ConfigurationPath.Combine(Path, segment));
            _children.Add(segment, child);
            _ordered = null;
        }
        return child;
    }

    private ConfigTree? Find(string key)
    {
        var node = this;
        foreach (var segment in key.Split(ConfigurationPath.KeyDelimiter))
            if (!node._children.TryGetValue(segment, out node)) return null;
        return node;
    }
}

/// <summary>The JSON file source whose provider lets <see cref="ConfigTree"/> read its keys in one pass.</summary>
internal sealed class ReadableJsonSource : JsonConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new Provider(this);
    }

    internal sealed class Provider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
    {
        public IEnumerable<KeyValuePair<string, string?>> Pairs => Data;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Ccgw.Core.Flows;
using Ccgw.Media.Audio;

namespace Ccgw.Voice;

/// <summary>
/// Every prompt the voice path can play, decoded once at start-up and shared by all calls (an <see cref="AudioPrompt"/>
/// is immutable). Kept in mu-law; the A-law copy is made on first use.
/// </summary>
public sealed class PromptLibrary
{
    private readonly Dictionary<string, AudioPrompt> _pcmu;
    private readonly ConcurrentDictionary<string, AudioPrompt> _pcma = new(StringComparer.Ordinal);

    private PromptLibrary(Dictionary<string, AudioPrompt> pcmu) => _pcmu = pcmu;

    /// <summary>Loads the catalogue's prompts and, when given, the spoken numbers (<c>number:7</c>).</summary>
    /// <exception cref="WavFormatException">A prompt file is not 8 kHz mono G.711 or 16-bit PCM.</exception>
    public static async Task<PromptLibrary> LoadAsync(FlowCatalog catalog, string? numbersDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var prompts = new Dictionary<string, AudioPrompt>(StringComparer.Ordinal);
        foreach (var p in catalog.Prompts.Values)
            if (p.File is { } file)
                prompts[p.Id] = await WavReader.LoadAsync(file, G711Codec.Pcmu, cancellationToken);
        if (numbersDirectory is not null && Directory.Exists(numbersDirectory))
            foreach (var file in Directory.EnumerateFiles(numbersDirectory, "*.wav"))
                if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    prompts[NumberId(n)] = await WavReader.LoadAsync(file, G711Codec.Pcmu, cancellationToken);
        return new PromptLibrary(prompts);
    }

    /// <summary>A library from prompts already in memory (tests, tools).</summary>
    public static PromptLibrary From(IReadOnlyDictionary<string, AudioPrompt> prompts) =>
        new(prompts.ToDictionary(p => p.Key, p => p.Value.To(G711Codec.Pcmu), StringComparer.Ordinal));

    public static string NumberId(int n) => string.Create(CultureInfo.InvariantCulture, $"number:{n}");

    public int Count => _pcmu.Count;

    public AudioPrompt? Get(string id, G711Codec codec)
    {
        if (!_pcmu.TryGetValue(id, out var mulaw)) return null;
        return codec == G711Codec.Pcmu ? mulaw : _pcma.GetOrAdd(id, static (_, m) => m.To(G711Codec.Pcma), mulaw);
    }

    /// <summary>
    /// Prompt ids that speak <paramref name="n"/> from the numbers available: 0-20 directly, 21-99 as tens and units;
    /// empty when a needed number is missing (the announcement then leaves the number out rather than mis-speak it).
    /// </summary>
    public IReadOnlyList<string> SpeakNumber(int n)
    {
        n = Math.Clamp(n, 0, 99);
        List<string> parts = n <= 20 || n % 10 == 0 ? [NumberId(n)] : [NumberId(n / 10 * 10), NumberId(n % 10)];
        return parts.TrueForAll(_pcmu.ContainsKey) ? parts : [];
    }
}

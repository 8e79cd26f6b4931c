using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;

namespace Ccgw.Daemon.SelfHelp;

/// <summary>
/// Loads <c>SelfHelp:SeedFile</c> at start: catalogue items are upserted (the file is their source, like the customer
/// seed); a wizard is saved and published only when it has no version at all, so what staff author through the admin
/// API is never overwritten by a restart. Invalid content stops the start naming the file and the field.
/// </summary>
internal sealed partial class SelfHelpSeeder(GatewayOptions options, LoadedConfiguration config, IWizardRepository wizards,
    ICatalogueRepository catalogue, ILogger<SelfHelpSeeder> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.SelfHelp.SeedFile is not { Length: > 0 } file) return;
        var path = config.Context.Resolve(file);
        Seed? seed;
        try
        {
            await using var stream = File.OpenRead(path);
            seed = await JsonSerializer.DeserializeAsync<Seed>(stream, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"SelfHelp:SeedFile: '{path}' is not a self-help seed ({{\"catalogue\": [...], \"wizards\": [...]}}): {e.Message}", e);
        }
        var items = seed?.Catalogue ?? [];
        foreach (var item in items) await catalogue.UpsertAsync(item, cancellationToken);
        var known = (await catalogue.ListAsync(cancellationToken: cancellationToken)).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var published = 0;
        var wizardList = seed?.Wizards ?? [];
        for (var i = 0; i < wizardList.Count; i++)
        {
            var content = wizardList[i];
            if (WizardValidator.Validate(content, known.Contains) is { Count: > 0 } problems)
                throw new InvalidDataException($"SelfHelp:SeedFile: '{path}' wizards[{i}].{problems[0].Path}: {problems[0].Message}");
            if ((await wizards.ListAsync(cancellationToken)).Any(w => w.WizardId == content.Id)) continue;
            await wizards.SaveDraftAsync(content, cancellationToken);
            await wizards.PublishAsync(content.Id, cancellationToken);
            published++;
        }
        LogSeeded(log, items.Count, published, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    [LoggerMessage(EventId = 17301, Level = LogLevel.Information, Message = "self-help seed: {Items} catalogue items, {Wizards} new wizards published from {Path}")]
    private static partial void LogSeeded(ILogger logger, int items, int wizards, string path);

    private sealed record Seed(List<CatalogueItem>? Catalogue, List<WizardContent>? Wizards);
}

using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;

namespace Ccgw.Daemon;

/// <summary>
/// Loads <c>Customers:SeedFile</c> (demo or migrated records) into the customer store at start, before READY.
/// Records are upserted by id, so editing the file and restarting updates them. A record's <c>XmppPassword</c> (demo)
/// or <c>XmppPasswordHash</c> (<c>ccgwctl hash-password</c>) becomes the customer's XMPP login; only the derived
/// credential is stored, and an unchanged password keeps its stored credential.
/// </summary>
internal sealed partial class CustomerSeeder(GatewayOptions options, LoadedConfiguration config, ICustomerRepository customers,
    ILogger<CustomerSeeder> log, ICustomerCredentialStore? credentials = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Customers.SeedFile is not { Length: > 0 } file) return;
        var path = config.Context.Resolve(file);
        List<SeedCustomer>? records;
        try
        {
            await using var stream = File.OpenRead(path);
            records = await JsonSerializer.DeserializeAsync<List<SeedCustomer>>(stream, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Customers:SeedFile: '{path}' is not a JSON array of customer records: {e.Message}", e);
        }
        foreach (var r in records ?? [])
        {
            await customers.UpsertAsync(r.ToCustomer(), cancellationToken);
            await SeedXmppCredentialAsync(r, cancellationToken);
        }
        LogSeeded(log, records?.Count ?? 0, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedXmppCredentialAsync(SeedCustomer r, CancellationToken cancellationToken)
    {
        if (credentials is null || (r.XmppPassword is not { Length: > 0 } && r.XmppPasswordHash is not { Length: > 0 })) return;
        // The login name is the local part of the customer's address on the XMPP domain, else the customer id.
        var domain = "@" + options.Site.XmppDomain;
        var user = (r.ImAddresses ?? []).FirstOrDefault(a => a.EndsWith(domain, StringComparison.OrdinalIgnoreCase)) is { } address
            ? address[..^domain.Length].ToLowerInvariant()
            : r.Id.ToLowerInvariant();
        StoredCredential credential;
        if (r.XmppPasswordHash is { Length: > 0 } hash)
        {
            if (!StoredCredential.TryParse(hash, out var parsed, out var why))
                throw new InvalidDataException($"Customers:SeedFile: customer '{r.Id}' XmppPasswordHash is not a ccgwctl hash-password credential: {why}");
            credential = parsed;
        }
        else
        {
            var existing = await credentials.GetXmppCredentialAsync(r.Id, cancellationToken);
            if (existing is not null && StoredCredential.TryParse(existing, out var stored, out _) && stored.User == user && stored.Verify(r.XmppPassword!))
                return;
            credential = StoredCredential.Derive(user, options.Site.XmppDomain, r.XmppPassword!);
        }
        await credentials.SetXmppCredentialAsync(r.Id, credential.ToString(), cancellationToken);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true };

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "loaded {Count} customer records from {Path}")]
    private static partial void LogSeeded(ILogger logger, int count, string path);

    private sealed record SeedOrder(string Id, string Status, DateTimeOffset PlacedAt, string? Product);

    private sealed record SeedCustomer(string Id, string Name, List<string>? Phones, List<string>? ImAddresses,
        string? PreferredContact, List<string>? Products, List<SeedOrder>? Orders, string? XmppPassword = null, string? XmppPasswordHash = null)
    {
        public Customer ToCustomer()
        {
            var phones = Phones ?? [];
            var ims = ImAddresses ?? [];
            PreferredContact? preferred = PreferredContact?.ToLowerInvariant() switch
            {
                "im" => new PreferredContact(InteractionChannel.Im, ims.FirstOrDefault()),
                "voice" => new PreferredContact(InteractionChannel.Voice, phones.FirstOrDefault()),
                "callback" => new PreferredContact(InteractionChannel.Callback, phones.FirstOrDefault()),
                _ => null,
            };
            return new Customer(Id, Name, phones, ims,
                [.. (Products ?? []).Select(p => new CustomerProduct(Slug(p), p))],
                [.. (Orders ?? []).Select(o => new CustomerOrder(o.Id, o.Status, o.PlacedAt, o.Product is null ? null : Slug(o.Product)))],
                preferred);
        }

        private static string Slug(string name) =>
            string.Concat(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-'));
    }
}

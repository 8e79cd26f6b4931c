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
    ILogger<CustomerSeeder> log, ICustomerCredentialStore? credentials = null, ICustomerAccountStore? accounts = null) : IHostedService
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
            // A record the customer changed on their own page (/me) is theirs now: the seed no longer overwrites it.
            if (accounts is not null && (await accounts.GetChangesAsync(r.Id, 1, cancellationToken)).Count > 0)
            {
                LogKeptCustomerChanges(log, r.Id);
                continue;
            }
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

    [LoggerMessage(EventId = 17130, Level = LogLevel.Information, Message = "customer {CustomerId} changed their details on their page; the seed record is not applied")]
    private static partial void LogKeptCustomerChanges(ILogger logger, string customerId);

    /// <summary>A product: its name alone (<c>"Fibre 500"</c>) or with its purchase date (<c>{"Name": ..., "Since": ...}</c>).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(SeedProductConverter))]
    private sealed record SeedProduct(string Name, DateTimeOffset? Since);

    private sealed class SeedProductConverter : System.Text.Json.Serialization.JsonConverter<SeedProduct>
    {
        public override SeedProduct Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String) return new SeedProduct(reader.GetString()!, null);
            var element = JsonElement.ParseValue(ref reader);
            if (element.ValueKind != JsonValueKind.Object || !TryGet(element, "name", out var name) || name.ValueKind != JsonValueKind.String)
                throw new JsonException("a product is a name or an object with Name and optional Since");
            DateTimeOffset? since = TryGet(element, "since", out var s) && s.ValueKind == JsonValueKind.String ? s.GetDateTimeOffset() : null;
            return new SeedProduct(name.GetString()!, since);
        }

        public override void Write(Utf8JsonWriter writer, SeedProduct value, JsonSerializerOptions options) =>
            throw new NotSupportedException("seed records are only read");

        private static bool TryGet(JsonElement o, string name, out JsonElement value)
        {
            foreach (var p in o.EnumerateObject())
                if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    value = p.Value;
                    return true;
                }
            value = default;
            return false;
        }
    }

    private sealed record SeedCustomer(string Id, string Name, List<string>? Phones, List<string>? ImAddresses,
        string? PreferredContact, List<SeedProduct>? Products, List<SeedOrder>? Orders, string? XmppPassword = null, string? XmppPasswordHash = null,
        string? Email = null, List<string>? Interests = null)
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
                [.. (Products ?? []).Select(p => new CustomerProduct(Slug(p.Name), p.Name, p.Since))],
                [.. (Orders ?? []).Select(o => new CustomerOrder(o.Id, o.Status, o.PlacedAt, o.Product is null ? null : Slug(o.Product)))],
                preferred, Email, Interests ?? []);
        }

        private static string Slug(string name) =>
            string.Concat(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-'));
    }
}

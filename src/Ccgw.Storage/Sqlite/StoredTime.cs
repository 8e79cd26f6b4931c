using System.Globalization;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Times are stored as fixed-width UTC ISO 8601 text, so SQL comparisons and ORDER BY on them are chronological.
/// </summary>
internal static class StoredTime
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Write(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static string? Write(DateTimeOffset? value) => value is { } v ? Write(v) : null;

    public static DateTimeOffset Read(string text) =>
        DateTimeOffset.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset? ReadNullable(string? text) => text is null ? null : Read(text);
}

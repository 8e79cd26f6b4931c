using System.Buffers;

namespace Ccgw.Prometheus;

/// <summary>
/// Encodes a tag set as a collision-free character key (tags sorted by name, every name and value
/// length-prefixed), so the hot path can look series up by span without allocating.
/// </summary>
internal static class SeriesKey
{
    private const int MaxStackTags = 32;

    public static bool TryWrite(ReadOnlySpan<KeyValuePair<string, object?>> tags, Span<char> destination, out int written)
    {
        written = 0;
        if (tags.IsEmpty) return true;

        int[]? rented = null;
        var order = tags.Length <= MaxStackTags
            ? stackalloc int[tags.Length]
            : (rented = ArrayPool<int>.Shared.Rent(tags.Length)).AsSpan(0, tags.Length);
        try
        {
            SortByName(tags, order);
            var position = 0;
            foreach (var index in order)
            {
                var tag = tags[index];
                if (!TryWriteField(tag.Key.AsSpan(), destination, ref position)) return false;
                if (destination.Length - position < 2) return false;
                var lengthAt = position;
                position += 2;
                if (!TagText.TryFormat(tag.Value, destination[position..], out var valueLength)) return false;
                WriteLength(destination[lengthAt..], valueLength);
                position += valueLength;
            }
            written = position;
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>The same encoding as <see cref="TryWrite"/>, as a string, for tag sets too long for a stack buffer.</summary>
    public static string Build(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var order = new int[tags.Length];
        SortByName(tags, order);
        var key = new System.Text.StringBuilder();
        foreach (var index in order)
        {
            Append(key, tags[index].Key);
            Append(key, TagText.Format(tags[index].Value));
        }
        return key.ToString();
    }

    private static void Append(System.Text.StringBuilder key, string text) =>
        key.Append((char)(text.Length >> 16)).Append((char)(text.Length & 0xFFFF)).Append(text);

    /// <summary>Indices of <paramref name="tags"/> ordered by ordinal name (insertion sort: tag sets are tiny).</summary>
    public static void SortByName(ReadOnlySpan<KeyValuePair<string, object?>> tags, Span<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            var j = i;
            while (j > 0 && string.CompareOrdinal(tags[order[j - 1]].Key, tags[i].Key) > 0)
            {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }

    private static bool TryWriteField(ReadOnlySpan<char> text, Span<char> destination, ref int position)
    {
        if (destination.Length - position < text.Length + 2) return false;
        WriteLength(destination[position..], text.Length);
        text.CopyTo(destination[(position + 2)..]);
        position += text.Length + 2;
        return true;
    }

    private static void WriteLength(Span<char> destination, int length)
    {
        destination[0] = (char)(length >> 16);
        destination[1] = (char)(length & 0xFFFF);
    }
}

using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Sip.Tests;

/// <summary>
/// Mutates real messages for the parsers' hostile-input properties: a few overwrites, inserts, deletions, truncations
/// and bit flips at random places, the written bytes drawn from those that matter to the parser under test.
/// </summary>
internal static class ByteMutations
{
    private sealed record Mutation(int Kind, int Position, byte Value);

    /// <summary>One of <paramref name="seeds"/> with one to six mutations, positions up to <paramref name="maxPosition"/> (wrapped to the length).</summary>
    public static Gen<byte[]> Of(byte[][] seeds, int maxPosition, params byte[] interesting)
    {
        var mutation =
            from kind in Gen.Choose(0, 4)
            from pos in Gen.Choose(0, maxPosition)
            from value in Gen.Elements(interesting)
            select new Mutation(kind, pos, value);
        return
            from seed in Gen.Elements(seeds)
            from mutations in Gen.ListOf(mutation, 4).Select(l => l.ToArray()).Zip(Gen.Choose(1, 6), (all, n) => all.Take(n).ToArray())
            select Apply(seed, mutations);
    }

    private static byte[] Apply(byte[] seed, IEnumerable<Mutation> mutations)
    {
        var data = new List<byte>(seed);
        foreach (var m in mutations)
        {
            if (data.Count == 0) break;
            var p = m.Position % data.Count;
            switch (m.Kind)
            {
                case 0: data[p] = m.Value; break;
                case 1: data.Insert(p, m.Value); break;
                case 2: data.RemoveAt(p); break;
                case 3: data.RemoveRange(p, data.Count - p); break;
                default: data[p] ^= (byte)(1 << (m.Value % 8)); break;
            }
        }
        return [.. data];
    }
}

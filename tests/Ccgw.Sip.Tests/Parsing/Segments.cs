using System.Buffers;

namespace Ccgw.Sip.Tests.Parsing;

/// <summary>Builds multi-segment sequences the way a socket or pipe would deliver them.</summary>
internal sealed class Segment : ReadOnlySequenceSegment<byte>
{
    private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, IEnumerable<int> cutPoints)
    {
        var cuts = cutPoints.Where(c => c > 0 && c < data.Length).Distinct().Order().Append(data.Length).ToList();
        if (data.Length == 0) return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        var start = 0;
        foreach (var cut in cuts)
        {
            var seg = new Segment(data.AsMemory(start, cut - start), start);
            if (first is null) first = seg;
            else last!.Next = seg;
            last = seg;
            start = cut;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) => Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)));
}

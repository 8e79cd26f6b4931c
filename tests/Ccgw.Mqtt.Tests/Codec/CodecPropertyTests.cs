using System.Buffers;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Mqtt.Tests.Codec;

/// <summary>Fuzzing and round-trip properties: the codec either decodes, says "incomplete", or raises MqttProtocolException.</summary>
public sealed class CodecPropertyTests
{
    private static readonly MqttProtocolVersion[] BothVersions = [MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    private static Config Config => Config.QuickThrowOnFailure.WithMaxTest(500);

    /// <summary>Decodes every complete frame in <paramref name="bytes"/>; protocol errors are the only allowed failure.</summary>
    private static bool DecodesOrRejects(byte[] bytes, MqttProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        try
        {
            while (MqttFrameReader.TryRead(buffer, 4096, out var frame))
            {
                MqttPacketDecoder.Decode(frame, version);
                buffer = buffer.Slice(frame.End);
            }
        }
        catch (MqttProtocolException)
        {
        }
        return true;
    }

    private static Gen<byte[]> Bytes(int max) => Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf().Resize(max);

    [Fact]
    public void Random_bytes_never_raise_anything_but_protocol_errors()
    {
        var gen = from bytes in Bytes(300) from version in Gen.Elements(BothVersions) select (bytes, version);
        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), t => DecodesOrRejects(t.bytes, t.version)));
    }

    [Fact]
    public void Random_bodies_behind_every_header_byte_never_raise_anything_but_protocol_errors()
    {
        var gen = from header in Gen.Choose(0, 255)
                  from body in Bytes(120)
                  from version in Gen.Elements(BothVersions)
                  select (Bytes: (byte[])[(byte)header, (byte)body.Length, .. body], Version: version);
        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), t => DecodesOrRejects(t.Bytes, t.Version)));
    }

    [Fact]
    public void Mutated_valid_packets_never_raise_anything_but_protocol_errors()
    {
        var samples = BothVersions.SelectMany(v => SamplePackets.All(v).Select(p => (Bytes: MqttPacketEncoder.ToBytes(p, v), Version: v))).ToArray();
        var mutation = from sample in Gen.Choose(0, samples.Length - 1)
                       from position in Gen.Choose(0, 10_000)
                       from value in Gen.Choose(0, 255)
                       from kind in Gen.Choose(0, 3)
                       select (Item1: sample, Item2: position, Item3: value, Item4: kind);
        Check.One(Config.WithMaxTest(2000), Prop.ForAll(mutation.ToArbitrary(), m =>
        {
            var (bytes, version) = samples[m.Item1];
            var copy = bytes.ToList();
            var at = m.Item2 % copy.Count;
            switch (m.Item4)
            {
                case 0: copy[at] = (byte)m.Item3; break;              // overwrite
                case 1: copy[at] ^= (byte)(1 << (m.Item3 % 8)); break; // flip a bit
                case 2: copy.RemoveAt(at); break;                      // drop a byte
                default: copy.Insert(at, (byte)m.Item3); break;        // insert a byte
            }
            return DecodesOrRejects([.. copy], version);
        }));
    }

    private static Gen<string> TopicText =>
        Gen.Elements("a", "b", "ccgw", "agents", "é", "日本", "", "$SYS", "x y").ListOf().Resize(5)
            .Select(levels => string.Join('/', levels)).Where(t => t.Length > 0);

    [Fact]
    public void Random_publishes_round_trip_across_random_segment_boundaries()
    {
        var gen =
            from topic in TopicText
            from payload in Bytes(200)
            from qos in Gen.Choose(0, 2)
            from retain in Gen.Elements(true, false)
            from id in Gen.Choose(1, 65535)
            from version in Gen.Elements(BothVersions)
            from expiry in Gen.OneOf(Gen.Constant((int?)null), Gen.Choose(0, 100_000).Select(i => (int?)i))
            from split in Gen.Choose(1, 40)
            select (topic, payload, qos, retain, id, version, expiry, split);
        Check.One(Config, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var packet = new PublishPacket
            {
                Topic = t.topic, Payload = t.payload, Qos = (MqttQualityOfService)t.qos, Retain = t.retain,
                PacketId = t.qos == 0 ? (ushort)0 : (ushort)t.id,
                Properties = t.version == MqttProtocolVersion.V500 && t.expiry is { } e
                    ? new MqttProperties { MessageExpiryInterval = (uint)e, UserProperties = [new(t.topic, "v")] }
                    : null,
            };
            var bytes = MqttPacketEncoder.ToBytes(packet, t.version);
            var sequence = Split(bytes, t.split);
            Assert.True(MqttFrameReader.TryRead(sequence, int.MaxValue, out var frame));
            var decoded = Assert.IsType<PublishPacket>(MqttPacketDecoder.Decode(frame, t.version));
            return decoded.Topic == t.topic && decoded.Payload.Span.SequenceEqual(t.payload) &&
                   MqttPacketEncoder.ToBytes(decoded, t.version).AsSpan().SequenceEqual(bytes);
        }));
    }

    /// <summary>A sequence whose segments are <paramref name="size"/> bytes long.</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, int size)
    {
        var chunks = bytes.Chunk(size).ToArray();
        if (chunks.Length <= 1) return new ReadOnlySequence<byte>(bytes);
        var first = new Chunk(chunks[0], 0);
        var last = first;
        for (var i = 1; i < chunks.Length; i++) last = last.Append(chunks[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Chunk Append(byte[] data)
        {
            var next = new Chunk(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

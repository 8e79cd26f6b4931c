using System.Buffers.Binary;
using Ccgw.Media.Audio;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Audio;

public sealed class WavReaderTests
{
    private static string PromptPath(string name) => Path.Combine(AppContext.BaseDirectory, "prompts", name + ".wav");

    public static TheoryData<string> DemoPrompts => new() { "welcome", "menu", "invalid", "queued", "hold", "callback", "goodbye" };

    [Theory]
    [MemberData(nameof(DemoPrompts))]
    public async Task Demo_prompts_load_as_mulaw_frames(string name)
    {
        var path = PromptPath(name);
        var prompt = await WavReader.LoadAsync(path, G711Codec.Pcmu);
        var fileBytes = new FileInfo(path).Length;

        Assert.Equal(name, prompt.Name);
        Assert.InRange(prompt.SampleCount, fileBytes - 100, fileBytes - 44); // the file is the samples plus a small header
        Assert.Equal((prompt.SampleCount + 159) / 160, prompt.FrameCount);
        var frame = new byte[160];
        prompt.CopyFrame(prompt.FrameCount - 1, frame);
        var tail = prompt.SampleCount % 160;
        if (tail != 0) Assert.All(frame[tail..], b => Assert.Equal(G711.MulawSilence, b));
    }

    [Fact]
    public async Task Demo_prompt_as_alaw_is_the_transcoded_mulaw()
    {
        var mu = await WavReader.LoadAsync(PromptPath("welcome"), G711Codec.Pcmu);
        var a = await WavReader.LoadAsync(PromptPath("welcome"), G711Codec.Pcma);
        var muFrame = new byte[160];
        var aFrame = new byte[160];
        mu.CopyFrame(10, muFrame);
        a.CopyFrame(10, aFrame);
        Assert.Equal(muFrame.Select(G711.MulawToAlaw), aFrame);
    }

    [Fact]
    public void Pcm16_is_encoded_to_the_target_law()
    {
        var samples = new short[] { 0, 1000, -1000, 32767 };
        var data = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2 * i), samples[i]);
        var prompt = WavReader.Read(Wav(1, 1, 8000, 16, data), "pcm.wav", G711Codec.Pcma);
        var frame = new byte[160];
        prompt.CopyFrame(0, frame);
        Assert.Equal(samples.Select(G711.EncodeAlaw), frame[..4]);
        Assert.Equal(1, prompt.FrameCount);
    }

    [Theory]
    [InlineData(1, 1, 16000, 16, "16000 Hz")]
    [InlineData(1, 2, 8000, 16, "2 channel(s)")]
    [InlineData(3, 1, 8000, 32, "format 3")]
    [InlineData(1, 1, 8000, 8, "8 bits")]
    public void Unsupported_formats_are_rejected_naming_file_and_format(int format, int channels, int rate, int bits, string mention)
    {
        var e = Assert.Throws<WavFormatException>(() => WavReader.Read(Wav(format, channels, rate, bits, new byte[320]), "music.wav", G711Codec.Pcmu));
        Assert.Contains("music.wav", e.Message);
        Assert.Contains(mention, e.Message);
    }

    [Fact]
    public async Task Missing_file_is_reported_as_a_format_error_with_its_path()
    {
        var e = await Assert.ThrowsAsync<WavFormatException>(() => WavReader.LoadAsync("/nonexistent/x.wav", G711Codec.Pcmu));
        Assert.Contains("/nonexistent/x.wav", e.Message);
    }

    [Fact]
    public void Fuzz_only_WavFormatException_escapes()
    {
        var valid = Wav(7, 1, 8000, 8, new byte[400]);
        Prop.ForAll(ArbMap.Default.ArbFor<(byte[], int, byte)>(), t =>
        {
            var (noise, position, value) = t;
            // Half the cases mutate a valid file so the chunk walker is exercised beyond the RIFF check.
            var input = noise.Length % 2 == 0 ? (byte[])valid.Clone() : noise;
            if (input.Length > 0) input[Math.Abs(position % input.Length)] = value;
            try
            {
                WavReader.Read(input, "fuzz.wav", G711Codec.Pcmu);
            }
            catch (WavFormatException)
            {
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    internal static byte[] Wav(int format, int channels, int rate, int bits, byte[] data)
    {
        var file = new byte[44 + data.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), 36 + data.Length);
        "WAVEfmt "u8.CopyTo(file.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(20), (short)format);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24), rate);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(28), rate * channels * bits / 8);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(32), (short)(channels * bits / 8));
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(34), (short)bits);
        "data"u8.CopyTo(file.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(40), data.Length);
        data.CopyTo(file.AsSpan(44));
        return file;
    }
}

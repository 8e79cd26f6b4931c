using Ccgw.Media.Audio;

namespace Ccgw.Media.Playout;

/// <summary>Plays an <see cref="AudioPrompt"/> once, or forever when looping (music on hold).</summary>
public sealed class PromptSource : IMediaSource
{
    private readonly AudioPrompt _prompt;
    private readonly bool _loop;
    private int _next;

    public PromptSource(AudioPrompt prompt, bool loop = false)
    {
        _prompt = prompt;
        _loop = loop;
    }

    public int ReadFrame(Span<byte> payload, G711Codec codec, out FrameKind kind)
    {
        kind = FrameKind.Audio;
        if (_next >= _prompt.FrameCount)
        {
            if (!_loop) return 0;
            _next = 0;
        }
        _prompt.CopyFrame(_next++, payload);
        // Prompts are usually loaded in the call's codec; converting here covers a mixed set at one lookup per byte.
        if (_prompt.Codec != codec) G711.Transcode(_prompt.Codec, codec, payload[..AudioPrompt.SamplesPerFrame], payload);
        return AudioPrompt.SamplesPerFrame;
    }
}

/// <summary>Silence for a fixed time, e.g. a pause between prompts that keeps the RTP stream (and NAT bindings) alive.</summary>
public sealed class SilenceSource(int frames) : IMediaSource
{
    private int _left = frames;

    public int ReadFrame(Span<byte> payload, G711Codec codec, out FrameKind kind)
    {
        kind = FrameKind.Audio;
        if (_left <= 0) return 0;
        _left--;
        payload[..AudioPrompt.SamplesPerFrame].Fill(G711.Silence(codec));
        return AudioPrompt.SamplesPerFrame;
    }
}

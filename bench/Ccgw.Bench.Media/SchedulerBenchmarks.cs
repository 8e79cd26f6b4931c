using BenchmarkDotNet.Attributes;
using Ccgw.Media.Audio;
using Ccgw.Media.Playout;

namespace Ccgw.Bench.Media;

/// <summary>One scheduler tick over many concurrent prompt playbacks (sink discards): the CPU cost per 20 ms of IVR.</summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    private MediaScheduler _scheduler = null!;
    private SteppingClock _clock = null!;

    [Params(1000)]
    public int Streams { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clock = new SteppingClock();
        _scheduler = new MediaScheduler(_clock, 3, startTimer: false);
        var prompt = new AudioPrompt("bench", G711Codec.Pcmu, new byte[160 * 50]);
        for (var i = 0; i < Streams; i++)
            _ = _scheduler.CreateStream(new NullSink(), new RtpStreamFormat(G711Codec.Pcmu, 0)).PlayAsync(new PromptSource(prompt, loop: true));
    }

    /// <summary>Each invocation is one 20 ms tick sending one packet per stream.</summary>
    [Benchmark]
    public void TickAllStreams()
    {
        _clock.Step();
        _scheduler.Tick();
    }

    [GlobalCleanup]
    public void Cleanup() => _scheduler.Dispose();

    private sealed class NullSink : IRtpSink
    {
        public void Send(ReadOnlySpan<byte> packet)
        {
        }
    }

    /// <summary>A clock that moves exactly one frame per step, so every tick has exactly one frame due.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _now;
        public void Step() => _now += MediaScheduler.FrameInterval.Ticks;
    }
}

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

    /// <summary>1: one tick per 20 ms frame sends every stream's packet; 4: four 5 ms ticks send a quarter each (issue 21).</summary>
    [Params(1, 4)]
    public int SubSlots { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clock = new SteppingClock(MediaScheduler.FrameInterval.Ticks / SubSlots);
        _scheduler = new MediaScheduler(_clock, 3, startTimer: false, subSlots: SubSlots);
        var prompt = new AudioPrompt("bench", G711Codec.Pcmu, new byte[160 * 50]);
        for (var i = 0; i < Streams; i++)
            _ = _scheduler.CreateStream(new NullSink(), new RtpStreamFormat(G711Codec.Pcmu, 0)).PlayAsync(new PromptSource(prompt, loop: true));
    }

    /// <summary>Each invocation is one 20 ms frame (one tick, or one per sub-slot) sending one packet per stream.</summary>
    [Benchmark]
    public void TickAllStreams()
    {
        for (var i = 0; i < SubSlots; i++)
        {
            _clock.Step();
            _scheduler.Tick();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _scheduler.Dispose();

    private sealed class NullSink : IRtpSink
    {
        public void Send(ReadOnlySpan<byte> packet)
        {
        }
    }

    /// <summary>A clock that moves exactly one slot per step, so every tick has exactly one frame due for its slot's streams.</summary>
    private sealed class SteppingClock(long step) : TimeProvider
    {
        private long _now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _now;
        public void Step() => _now += step;
    }
}

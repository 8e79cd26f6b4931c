using System.Diagnostics;
using System.Globalization;
using Ccgw.Core;
using Ccgw.Core.Kpi;
using Ccgw.Prometheus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Bench.Prometheus;

/// <summary>
/// Issue 20's benchmark: the KPI families of a centre of 50 queues and 1,000 agents (each agent on 3 queues, 800
/// ready, 2,000 interactions submitted so some queues are busy and some wait), rendered by the exporter as <c>/metrics</c>
/// renders them. Reports the size of one scrape and CPU time and allocation per render (thread CPU: usable on a loaded box).
/// </summary>
internal static class KpiScrape
{
    public static async Task RunAsync(int renders)
    {
        const int queues = 50, agents = 1000;
        var queueDefs = Enumerable.Range(0, queues).Select(q => new QueueDefinition($"q{q:D2}",
            new Dictionary<string, int>(StringComparer.Ordinal) { [$"s{q:D2}"] = 1 },
            ServiceLevel: new ServiceLevelTarget(TimeSpan.FromSeconds(20), 0.8))).ToList();
        var agentDefs = Enumerable.Range(0, agents).Select(a => new AgentDefinition($"a{a:D4}", $"Agent {a}",
            Enumerable.Range(0, 3).ToDictionary(k => $"s{(a + k * 17) % queues:D2}", _ => 5, StringComparer.Ordinal),
            new ChannelCapacity(1, 2, 1))).ToList();
        var engine = new RoutingEngine(new ContactCenterDefinition(agentDefs, queueDefs, new RoutingOptions()), TimeProvider.System);
        using var exporter = new PrometheusExporter(m => m.Name == ContactCenterKpis.MeterName,
            new PrometheusExporterOptions { IncludeProcessMetrics = false });
        using var kpis = new ContactCenterKpis(engine, TimeProvider.System, new KpiOptions(KpiOptions.DefaultServiceLevelWindow, queueDefs),
            null, NullLogger<ContactCenterKpis>.Instance);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var following = kpis.RunAsync(stop.Token);

        for (var a = 0; a < agents * 8 / 10; a++)
            await engine.SetAgentStateAsync($"a{a:D4}", AgentStateRequest.Ready);
        var channels = new[] { InteractionChannel.Voice, InteractionChannel.Im, InteractionChannel.Callback, InteractionChannel.Web };
        for (var i = 0; i < 2000; i++)
        {
            var submitted = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = channels[i % 4], QueueId = $"q{i % queues:D2}" });
            if (submitted.AgentId is { } agent && i % 3 != 0)
                await engine.AcceptOfferAsync(agent, submitted.InteractionId);
            else if (i % 7 == 0)
                await engine.AbandonInteractionAsync(submitted.InteractionId);
        }
        await engine.GetSnapshotAsync();
        await Task.Delay(500); // let the KPI loop drain the events (bench only)

        var buffer = new MemoryStream();
        await exporter.WriteAsync(buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        var series = text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        var families = text.Split('\n').Count(l => l.StartsWith("# TYPE", StringComparison.Ordinal));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"KPI scrape, {queues} queues x 4 channels, {agents} agents: {buffer.Length:N0} bytes, {families} families, {series} samples"));

        for (var i = 0; i < renders / 4; i++) await RenderAsync(exporter);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < renders; i++) await RenderAsync(exporter);
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"render: {used.TotalMicroseconds / renders:F0} us CPU, {wall.Elapsed.TotalMicroseconds / renders:F0} us wall, {(double)allocated / renders:F0} B allocated per render ({renders} renders)"));

        await stop.CancelAsync();
        await loop;
        await following;
    }

    private static async Task RenderAsync(PrometheusExporter exporter)
    {
        await exporter.WriteAsync(Stream.Null);
    }
}

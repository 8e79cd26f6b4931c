using System.Globalization;
using Ccgw.Bench.RoutingSim;

// Replays a synthetic day through the real routing state machine on a simulated clock and reports how well the
// estimated wait predicted the waits that happened, and the service level per queue.
var seed = 1;
var hours = 8.0;
CallbackPolicy? callbacks = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seed":
            seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--callbacks":
            // idle: the dispatcher before issue 15; queue: call-backs wait in the live queue.
            callbacks = args[i + 1] == "idle" ? CallbackPolicy.WhenIdle : CallbackPolicy.InQueue;
            break;
        case "--hours":
            hours = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
    }
}

var report = new DaySimulation(SimulationSetup.Default, seed, TimeSpan.FromHours(hours), callbacks).Run();
report.Print(Console.Out);

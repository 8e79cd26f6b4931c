using System.Globalization;
using System.Net;
using Ccgw.Bench.RelayCost;

// RTP relay cost, ccgw against rtpengine (userspace), the same streams from the same load generator. Not a test.
//   serve N PEER_BASE            ccgw's relay (RtpLeg + RtpRelay, as a bridged call uses them) for N calls; prints
//                                "call i a=PORT b=PORT" (where side A and side B send) then "ready", relays until
//                                standard input closes, then prints the forwarded count.
//   rtpengine N NG_PORT PEER_BASE  the same N calls set up in a running rtpengine by ng offer/answer; prints the same lines.
//   load TARGETS PEER_BASE SECONDS SERVER_PID
//                                both sides of every call send 20 ms PCMU packets (50/s each way) to the ports in TARGETS
//                                (the lines above); counts what arrives and the server's CPU per relayed packet.
// bench/rtp-vs-rtpengine/run.sh pins the server to CPU0 and the load to CPU1 and runs both servers.
var inv = CultureInfo.InvariantCulture;
switch (args)
{
    case ["serve", var n, var peerBase]:
        await CcgwRelays.ServeAsync(int.Parse(n, inv), int.Parse(peerBase, inv));
        return 0;
    case ["rtpengine", var n, var ngPort, var peerBase]:
        await RtpengineCalls.SetUpAsync(int.Parse(n, inv), new IPEndPoint(IPAddress.Loopback, int.Parse(ngPort, inv)), int.Parse(peerBase, inv));
        return 0;
    case ["load", var targets, var peerBase, var seconds, var pid]:
        return await RelayLoad.RunAsync(await File.ReadAllLinesAsync(targets), int.Parse(peerBase, inv), int.Parse(seconds, inv), int.Parse(pid, inv));
    default:
        await Console.Error.WriteLineAsync("usage: serve N PEER_BASE | rtpengine N NG_PORT PEER_BASE | load TARGETS PEER_BASE SECONDS SERVER_PID");
        return 2;
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace Ccgw.Bench.Abuse;

/// <summary>
/// Legitimate clients from their own loopback address (<see cref="Address"/>), each kind of exchange at a low fixed
/// pace, counting successes and failures while an attack runs. A failure is a wrong answer or none within the timeout.
/// </summary>
internal sealed class Legit(Target target, TimeSpan interval, TimeSpan timeout)
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");

    private readonly ConcurrentDictionary<string, (int Ok, int Failed)> _tally = new();

    /// <summary>Per kind: successes and failures.</summary>
    public IReadOnlyDictionary<string, (int Ok, int Failed)> Tally => _tally;

    public (int Ok, int Failed) Total => (_tally.Values.Sum(v => v.Ok), _tally.Values.Sum(v => v.Failed));

    public async Task RunAsync(CancellationToken stop)
    {
        await using var sip = new SipUdp(Address, target.Sip);
        using var http = Clients.Http(Address, target.Http.Port);
        // A new connection per exchange, as a customer's browser arriving would: a kept-alive connection would slip
        // past a connection cap or a full accept queue that a new visitor meets.
        http.DefaultRequestHeaders.ConnectionClose = true;
        var serial = 0;
        // Each loop ends by itself when stop fires (its delay is cancelled); Task.Run is not given stop so that a loop
        // always records the exchange it is in.
        Task Loop(string kind, TimeSpan every, Func<CancellationToken, Task<bool>> exchange) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = DateTime.UtcNow;
                bool ok;
                using (var limit = new CancellationTokenSource(timeout))
                {
                    try
                    {
                        ok = await exchange(limit.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or IOException
                                                  or System.Net.Http.HttpRequestException or System.Security.Authentication.AuthenticationException)
                    {
                        ok = false; // refused, reset or too slow: the legitimate client did not get through
                    }
                }
                _tally.AddOrUpdate(kind, ok ? (1, 0) : (0, 1), (_, t) => ok ? (t.Ok + 1, t.Failed) : (t.Ok, t.Failed + 1));
                var rest = every - (DateTime.UtcNow - started);
                if (rest > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(rest, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return; // the attack window is over
                    }
                }
            }
        }, CancellationToken.None);

        await Task.WhenAll(
            Loop("sip REGISTER", interval, _ => RegisterAsync(sip, target, "alice", "demo-alice", timeout)),
            Loop("sip OPTIONS", interval, async _ =>
            {
                var id = SipText.Token();
                return (await sip.RequestAsync(id, SipText.Options(sip.Local, target.Sip, target.Domain, id), timeout))?.Status == 200;
            }),
            Loop("http GET /api/status", interval, async ct => (await http.GetAsync(new Uri("/api/status", UriKind.Relative), ct)).IsSuccessStatusCode),
            // Three times slower: the demo's per-address submission limit is 30 a minute, and a real customer asks once.
            Loop("http POST help", interval * 3, async ct =>
            {
                var number = "+4930" + (2000000 + Interlocked.Increment(ref serial)).ToString(CultureInfo.InvariantCulture);
                using var response = await http.PostAsync(new Uri("/api/help-requests", UriKind.Relative), Clients.HelpRequest(number), ct);
                return (int)response.StatusCode == 202;
            }),
            Loop("xmpp login", interval, ct => Clients.XmppLoginAsync(Address, target.Xmpp, target.Domain, "bob", "demo-bob", ct)),
            Loop("mqtt CONNECT", interval, ct => Clients.MqttConnectAsync(Address, target.Mqtt,
                "legit-" + Interlocked.Increment(ref serial).ToString(CultureInfo.InvariantCulture), "bob", "demo-bob", ct)));
    }

    /// <summary>REGISTER, 401, REGISTER with the digest answer; true on 200.</summary>
    public static async Task<bool> RegisterAsync(SipUdp sip, Target target, string user, string password, TimeSpan timeout)
    {
        var callId = SipText.Token();
        var challenge = await sip.RequestAsync(callId, SipText.Register(sip.Local, target.Sip, target.Domain, user, callId, 1, null), timeout);
        if (challenge?.Status != 401) return challenge?.Status == 200;
        var answer = SipText.Answer(challenge, user, password, $"sip:{target.Domain}", "REGISTER");
        var final = await sip.RequestAsync(callId, SipText.Register(sip.Local, target.Sip, target.Domain, user, callId, 2, answer), timeout);
        return final?.Status == 200;
    }
}

/// <summary>Where the daemon under attack listens.</summary>
internal sealed record Target(string Domain, IPEndPoint Http, IPEndPoint Sip, IPEndPoint Xmpp, IPEndPoint Mqtt, int RtpMin, int RtpMax);

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

// Load generator for the customer portal against a running daemon (bench/Ccgw.Bench.Portal/run.sh starts one):
//   1. sign-ins per second: SESSIONS customers sign in with their XMPP account (GET /me/sign-in for the antiforgery
//      token, POST /me/sign-in/xmpp), WORKERS at a time; each sign-in verifies a stored PBKDF2 credential.
//   2. /me render latency: every session loads GET /me in a closed loop for SECONDS; p50/p99/max and pages per second.
// Usage: Ccgw.Bench.Portal --url http://127.0.0.1:8080 [--pid DAEMON_PID] [--sessions 200] [--workers 8] [--seconds 20] [--user carol --password demo-carol]
var opts = Args(args);
var url = new Uri(opts.GetValueOrDefault("url") ?? throw new ArgumentException("--url is required"));
var sessions = int.Parse(opts.GetValueOrDefault("sessions") ?? "200", CultureInfo.InvariantCulture);
var workers = int.Parse(opts.GetValueOrDefault("workers") ?? "8", CultureInfo.InvariantCulture);
var seconds = int.Parse(opts.GetValueOrDefault("seconds") ?? "20", CultureInfo.InvariantCulture);
var user = opts.GetValueOrDefault("user") ?? "carol";
var password = opts.GetValueOrDefault("password") ?? "demo-carol";

// The daemon's CPU (user + system) per phase, from /proc/PID/stat, when --pid is given.
var pid = opts.GetValueOrDefault("pid");
double CpuSeconds() => pid is null ? 0
    : File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) is var f
        ? (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0 : 0;

var clients = new HttpClient[sessions];
var cpu0 = CpuSeconds();
var next = -1;
var signIn = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < sessions) clients[i] = await SignInAsync(url, user, password);
}));
signIn.Stop();
var cpu1 = CpuSeconds();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sign-ins: {sessions} in {signIn.Elapsed.TotalSeconds:F2} s = {sessions / signIn.Elapsed.TotalSeconds:F1}/s ({workers} at a time); daemon CPU per sign-in {(cpu1 - cpu0) * 1000 / sessions:F2} ms"));

// Warm-up: every session loads the page once (JIT, caches), not measured.
await Task.WhenAll(clients.Select(c => LoadAsync(c)));
var latencies = new List<double>[sessions];
var stop = DateTime.UtcNow.AddSeconds(seconds);
var failures = 0;
var cpu2 = CpuSeconds();
var run = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(async (c, i) =>
{
    var mine = latencies[i] = new List<double>(1024);
    while (DateTime.UtcNow < stop)
    {
        var t = Stopwatch.GetTimestamp();
        if (!await LoadAsync(c)) Interlocked.Increment(ref failures);
        mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
    }
}));
run.Stop();
var cpu3 = CpuSeconds();
var all = latencies.SelectMany(l => l).Order().ToArray();
double P(double q) => all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"/me renders: {all.Length} by {sessions} concurrent sessions in {run.Elapsed.TotalSeconds:F1} s = {all.Length / run.Elapsed.TotalSeconds:F0}/s, failures {failures}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"/me latency ms: p50 {P(0.50):F1}, p90 {P(0.90):F1}, p99 {P(0.99):F1}, max {all[^1]:F1}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"daemon CPU per /me render: {(cpu3 - cpu2) * 1000 / all.Length:F2} ms"));
return failures == 0 ? 0 : 1;

static async Task<bool> LoadAsync(HttpClient c)
{
    using var response = await c.GetAsync("/me");
    var body = await response.Content.ReadAsStringAsync();
    return response.StatusCode == HttpStatusCode.OK && body.Contains("customer-name", StringComparison.Ordinal);
}

static async Task<HttpClient> SignInAsync(Uri url, string user, string password)
{
    var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
    var client = new HttpClient(handler) { BaseAddress = url };
    var form = await client.GetStringAsync("/me/sign-in");
    var token = Regex.Match(form, "name=\"__csrf\" value=\"([^\"]+)\"").Groups[1].Value;
    using var response = await client.PostAsync("/me/sign-in/xmpp", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["__csrf"] = WebUtility.HtmlDecode(token),
        ["user"] = user,
        ["password"] = password,
    }));
    if (response.StatusCode != HttpStatusCode.SeeOther) throw new InvalidOperationException($"sign-in answered {(int)response.StatusCode}");
    return client;
}

static Dictionary<string, string> Args(string[] args)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2) d[args[i].TrimStart('-')] = args[i + 1];
    return d;
}

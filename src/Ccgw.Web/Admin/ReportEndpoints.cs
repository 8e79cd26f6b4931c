using System.Globalization;
using System.Text;
using Ccgw.Core.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Admin;

/// <summary>
/// <c>/api/admin/reports/queues</c> and <c>/agents</c>: interval reports from the history, as JSON or CSV
/// (docs/reports.md). Every bad parameter is a problem naming it.
/// </summary>
public static class ReportEndpoints
{
    /// <summary>The longest period one request may cover.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(400);

    public static void MapReports(this RouteGroupBuilder admin)
    {
        // The query parameters are bound by name (all optional to the binder, checked here) so that the OpenAPI
        // document lists them; a missing or bad one is a problem naming it, never the binder's bare 400.
        admin.MapGet("/reports/queues", (string? from, string? to, string? interval, string? tz, string? format, HttpContext http,
                IntervalReportBuilder builder, IReportQueues queues, CancellationToken ct) =>
                RespondAsync(http, Parse(from, to, interval, tz, format), builder, queues, agents: false, ct))
            .WithSummary("Interval report per queue")
            .WithDescription("from, to: a date, a wall-clock time of tz, or an instant with offset; interval: 15m, hour (default), day; tz: IANA name (default UTC); format: json (default) or csv. docs/reports.md")
            .Produces<QueueReportView>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem();
        admin.MapGet("/reports/agents", (string? from, string? to, string? interval, string? tz, string? format, HttpContext http,
                IntervalReportBuilder builder, IReportQueues queues, CancellationToken ct) =>
                RespondAsync(http, Parse(from, to, interval, tz, format), builder, queues, agents: true, ct))
            .WithSummary("Interval report per agent")
            .WithDescription("Same parameters as /reports/queues; rows only for agents with activity in the interval.")
            .Produces<AgentReportView>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem();
    }

    /// <summary>The parameters of a report request, checked; <see cref="Problem"/> names the first bad one.</summary>
    public sealed record ReportRequest(ReportPeriod? Period, bool Csv, string Zone, string? Parameter, string? Problem);

    public static ReportRequest Parse(string? from, string? to, string? interval, string? tz, string? format)
    {
        if (!ReportPeriod.TryFindZone(tz, out var zone))
            return Bad("tz", $"'{tz}' is not a time zone this system knows; use an IANA name such as Europe/Berlin or UTC");
        ReportInterval length = ReportInterval.Hour;
        if (interval is not null && !ReportPeriod.TryParseInterval(interval, out length))
            return Bad("interval", $"'{interval}' is not an interval; use 15m, hour or day");
        var csv = false;
        if (format is not null)
        {
            if (format.Equals("csv", StringComparison.OrdinalIgnoreCase)) csv = true;
            else if (!format.Equals("json", StringComparison.OrdinalIgnoreCase))
                return Bad("format", $"'{format}' is not a format; use json or csv");
        }
        if (from is null) return Bad("from", "give the start: a date (2026-10-25), a wall-clock time of tz or an instant with offset");
        if (!ReportPeriod.TryParseBound(from, zone, out var start)) return Bad("from", $"'{from}' is not a date or time (ISO 8601)");
        if (to is null) return Bad("to", "give the end: a date (2026-10-26, its first moment), a wall-clock time of tz or an instant with offset");
        if (!ReportPeriod.TryParseBound(to, zone, out var end)) return Bad("to", $"'{to}' is not a date or time (ISO 8601)");
        if (end <= start) return Bad("to", "the end must be after the start");
        if (end - start > MaxPeriod) return Bad("to", $"a report covers at most {MaxPeriod.TotalDays:0} days");
        try
        {
            return new ReportRequest(ReportPeriod.Create(start, end, length, zone), csv, zone.Id, null, null);
        }
        catch (ArgumentException e)
        {
            return Bad("interval", e.Message.Split(" (Parameter", 2)[0]);
        }

        static ReportRequest Bad(string parameter, string problem) => new(null, false, "", parameter, problem);
    }

    private static async Task<IResult> RespondAsync(HttpContext http, ReportRequest request, IntervalReportBuilder builder, IReportQueues queues,
        bool agents, CancellationToken ct)
    {
        if (request.Period is not { } period)
            return Results.ValidationProblem(new Dictionary<string, string[]> { [request.Parameter!] = [request.Problem!] },
                title: $"invalid parameter '{request.Parameter}'");
        var report = await builder.BuildAsync(period, queues.Queues, ct);
        if (request.Csv)
        {
            var name = agents ? "agents" : "queues";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"ccgw-{name}-{ReportPeriod.Name(period.Interval)}.csv\"";
            return Results.Text(agents ? ReportCsv.Agents(report.Agents) : ReportCsv.Queues(report.Queues), "text/csv; charset=utf-8", Encoding.UTF8);
        }
        var from = ReportPeriod.Local(period.From, period.Zone);
        var to = ReportPeriod.Local(period.To, period.Zone);
        var interval = ReportPeriod.Name(period.Interval);
        return agents
            ? Results.Ok(new AgentReportView(from, to, interval, request.Zone, report.Agents))
            : Results.Ok(new QueueReportView(from, to, interval, request.Zone, report.Queues));
    }
}

/// <summary>A queue report as the API answers it; <c>from</c>/<c>to</c> are the whole intervals covered.</summary>
public sealed record QueueReportView(DateTimeOffset From, DateTimeOffset To, string Interval, string Tz, IReadOnlyList<QueueReportRow> Rows);

/// <summary>An agent report as the API answers it.</summary>
public sealed record AgentReportView(DateTimeOffset From, DateTimeOffset To, string Interval, string Tz, IReadOnlyList<AgentReportRow> Rows);

/// <summary>
/// RFC 4180 CSV: CRLF line ends, a field with a comma, quote, CR or LF quoted and its quotes doubled; times ISO 8601
/// with their offset, numbers invariant. A field that a spreadsheet would run as a formula (leading =, +, -, @, tab)
/// gets a leading apostrophe: ids come from configuration and provisioning, not from this endpoint's caller, but a
/// report is opened by people.
/// </summary>
public static class ReportCsv
{
    public static string Queues(IReadOnlyList<QueueReportRow> rows)
    {
        var outcomes = rows.SelectMany(r => r.Callbacks.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        Line(csv, ["intervalStart", "intervalEnd", "queue", "offered", "answered", "answeredWithinTarget", "abandoned",
            "abandonedAfterThreshold", "transferred", "overflowed", "serviceLevel", "averageAnswerSeconds", "maxAnswerSeconds",
            "handled", "averageHandleSeconds", .. outcomes.Select(o => "callbacks." + o)]);
        foreach (var r in rows)
            Line(csv, [Time(r.IntervalStart), Time(r.IntervalEnd), r.Queue, Num(r.Offered), Num(r.Answered), Num(r.AnsweredWithinTarget),
                Num(r.Abandoned), Num(r.AbandonedAfterThreshold), Num(r.Transferred), Num(r.Overflowed), Num(r.ServiceLevel),
                Num(r.AverageAnswerSeconds), Num(r.MaxAnswerSeconds), Num(r.Handled), Num(r.AverageHandleSeconds),
                .. outcomes.Select(o => Num(r.Callbacks.GetValueOrDefault(o)))]);
        return csv.ToString();
    }

    public static string Agents(IReadOnlyList<AgentReportRow> rows)
    {
        var csv = new StringBuilder();
        Line(csv, ["intervalStart", "intervalEnd", "agent", "offered", "answered", "rejected", "timedOut", "handled", "handleSeconds", "averageHandleSeconds"]);
        foreach (var r in rows)
            Line(csv, [Time(r.IntervalStart), Time(r.IntervalEnd), r.Agent, Num(r.Offered), Num(r.Answered), Num(r.Rejected),
                Num(r.TimedOut), Num(r.Handled), Num(r.HandleSeconds), Num(r.AverageHandleSeconds)]);
        return csv.ToString();
    }

    /// <summary>One field as RFC 4180 writes it.</summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static void Line(StringBuilder csv, IEnumerable<string> fields)
    {
        var first = true;
        foreach (var f in fields)
        {
            if (!first) csv.Append(',');
            csv.Append(Field(f));
            first = false;
        }
        csv.Append("\r\n");
    }

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Num(double? value) => value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "";
}

using System.Globalization;
using Ccgw.Core;
using Ccgw.Core.Callbacks;

namespace Ccgw.Web.Help;

/// <summary>A help request as posted (JSON or form); every field is optional here so that each missing one is named.</summary>
public sealed record HelpRequestInput(
    string? Number = null,
    string? ImAddress = null,
    string? PreferredTime = null,
    string? TimeZone = null,
    string? Topic = null,
    string? PageUrl = null,
    string? Name = null,
    string? Medium = null);

/// <summary>A request that passed validation: normalised address, UTC time, known queue.</summary>
/// <see cref="Address"/> is empty for a medium that creates no call-back (chat-now, documents): those need only a topic.
public sealed record ValidHelpRequest(string Address, string? ImAddress, DateTimeOffset ScheduledAt, bool AsSoonAsPossible,
    string? TimeZone, CallbackQueuePolicy Queue, string? PageUrl, string? Name, HelpMedium Medium = HelpMedium.Voice);

/// <summary>
/// Checks every field of a help request and names each bad one (RFC 9457 <c>errors</c>): number (E.164 or SIP URI),
/// IM address, preferred time ("now", a time with an offset, or a local time in <c>timeZone</c>, an IANA zone) within
/// the queue's booking window, topic (a known queue), page URL (absolute http/https) and name.
/// </summary>
public static class HelpRequestValidation
{
    public const int MaxNameLength = 100;
    public const int MaxUrlLength = 2048;
    public const int MaxImLength = 256;

    /// <summary>A submitted time up to this far in the past counts as "now" (the form was open for a while).</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromMinutes(5);

    /// <param name="hasFlow">Whether a topic (queue id) has an automated call-back flow (SelfHelp:TopicFlows); none: no topic
    /// has one, and "ivr" is refused naming <c>medium</c>.</param>
    public static ValidHelpRequest? Validate(HelpRequestInput input, CallbackPolicies queues, DateTimeOffset now,
        out Dictionary<string, string[]> errors, Func<string, bool>? hasFlow = null)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var medium = HelpMedium.Voice;
        if (Optional(input.Medium) is { } mediumText && !HelpMediums.TryParse(mediumText, out medium))
            errors["medium"] = [$"'{Shorten(mediumText)}' is not a way we can help; choose one of {string.Join(", ", HelpMediums.All.Select(HelpMediums.Name))}"];
        else if (!ServedMedia.Contains(medium))
            // Known but not served yet (issue 18: the IVR call-back and the e-mail answer come next): refused by name rather
            // than taken and served as something the customer did not ask for.
            errors["medium"] = [$"'{HelpMediums.Name(medium)}' is not offered yet; choose one of {string.Join(", ", ServedMedia.Select(HelpMediums.Name))}"];
        if (!HelpMediums.IsCallback(medium))
        {
            // Chat now and documents are answered on the page: only the topic matters, nothing is stored or dialled.
            var chosen = FindTopic(input.Topic, queues, errors);
            return errors.Count > 0 ? null : new ValidHelpRequest("", null, now, true, null, chosen!, null, null, medium);
        }

        var address = ContactAddress.Parse(input.Number, out var numberError);
        if (numberError is not null) errors["number"] = [numberError];

        var im = Optional(input.ImAddress);
        if (im is not null && !IsImAddress(im)) errors["imAddress"] = ["give an IM address like name@example.com (no spaces), or leave it empty"];

        var queue = FindTopic(input.Topic, queues, errors);
        if (medium == HelpMedium.Ivr && queue is not null && hasFlow?.Invoke(queue.QueueId) != true)
            // Without a flow the dialler would have nothing to play: refused rather than taken as a voice call-back.
            errors["medium"] = ["this topic has no automated call-back; choose a call-back by an agent"];

        var zone = Optional(input.TimeZone);
        TimeZoneInfo? tz = null;
        if (zone is not null && (tz = FindZone(zone)) is null)
            errors["timeZone"] = [$"'{Shorten(zone)}' is not an IANA time zone (e.g. Europe/London)"];

        DateTimeOffset scheduledAt = now;
        var asap = true;
        var time = Optional(input.PreferredTime);
        if (time is not null && !time.Equals("now", StringComparison.OrdinalIgnoreCase) && !time.Equals("asap", StringComparison.OrdinalIgnoreCase))
        {
            var parsed = ParseTime(time, tz, zone is not null && tz is null, out var timeError, out var field);
            if (timeError is not null) errors.TryAdd(field, [timeError]);
            else if (parsed < now - PastTolerance) errors["preferredTime"] = ["that time has passed; choose now or a later time"];
            else if (parsed > now)
            {
                var window = queue?.BookingWindow ?? CallbackQueuePolicy.DefaultWindow;
                if (parsed > now + window)
                    errors["preferredTime"] = [window == TimeSpan.Zero
                        ? "this topic takes call-backs for now only"
                        : $"choose a time within the next {window.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days"];
                scheduledAt = parsed;
                asap = false;
            }
        }

        var pageUrl = Optional(input.PageUrl);
        if (pageUrl is not null && !IsPageUrl(pageUrl)) errors["pageUrl"] = [$"give the page's absolute http or https address, at most {MaxUrlLength} characters"];

        var name = Optional(input.Name);
        if (name is not null && (name.Length > MaxNameLength || name.Any(char.IsControl)))
            errors["name"] = [$"at most {MaxNameLength} characters, no control characters"];

        return errors.Count > 0 ? null : new ValidHelpRequest(address!, im, scheduledAt, asap, zone, queue!, pageUrl, name, medium);
    }

    /// <summary>The media this build serves end to end; the others are refused naming <c>medium</c>;
    /// "ivr" only for a topic with a flow (SelfHelp:TopicFlows).</summary>
    public static readonly IReadOnlyList<HelpMedium> ServedMedia = [HelpMedium.Voice, HelpMedium.Ivr, HelpMedium.ChatNow, HelpMedium.Documents];

    private static CallbackQueuePolicy? FindTopic(string? text, CallbackPolicies queues, Dictionary<string, string[]> errors)
    {
        CallbackQueuePolicy? queue = null;
        var topic = Optional(text);
        if (topic is null) errors["topic"] = ["choose a topic"];
        else if ((queue = queues.Find(topic) ?? queues.Queues.FirstOrDefault(q => string.Equals(q.QueueId, topic, StringComparison.OrdinalIgnoreCase))) is null)
            errors["topic"] = [$"'{Shorten(topic)}' is not a topic; choose one of {string.Join(", ", queues.Queues.Select(q => q.QueueId))}"];
        return queue;
    }

    /// <summary>An offset-bearing ISO 8601 time, or a local time (yyyy-MM-ddTHH:mm[:ss]) read in <paramref name="zone"/>.</summary>
    internal static DateTimeOffset ParseTime(string text, TimeZoneInfo? zone, bool zoneInvalid, out string? error, out string field)
    {
        field = "preferredTime";
        error = null;
        if (text.Length > 40)
        {
            error = "give \"now\" or a date and time such as 2026-11-23T14:30";
            return default;
        }
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 19 && (text[^6] is '+' or '-'));
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var withOffset))
            return withOffset.ToUniversalTime();
        if (!DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture,
                DateTimeStyles.AllowWhiteSpaces, out var local))
        {
            error = "give \"now\" or a date and time such as 2026-11-23T14:30";
            return default;
        }
        if (zone is null)
        {
            field = "timeZone";
            error = zoneInvalid ? "not an IANA time zone" : "give your time zone (IANA, e.g. Europe/London) with a local preferred time";
            return default;
        }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            error = "that local time does not exist (the clocks change then); choose another";
            return default;
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    internal static TimeZoneInfo? FindZone(string id)
    {
        if (id.Length > 64) return null;
        foreach (var ch in id)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '/' or '_' or '-' or '+')) return null;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    internal static bool IsPageUrl(string url) =>
        url.Length <= MaxUrlLength && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !url.Any(char.IsControl);

    internal static bool IsImAddress(string im)
    {
        if (im.Length > MaxImLength) return false;
        var at = im.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == im.Length - 1 || im.IndexOf('@', at + 1) >= 0) return false;
        foreach (var ch in im)
            if (char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '<' or '>' or '"' or '\'' or '&' or '/') return false;
        return true;
    }

    private static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

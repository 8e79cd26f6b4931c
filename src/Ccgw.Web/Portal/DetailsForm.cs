using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;
using Microsoft.AspNetCore.Http;

namespace Ccgw.Web.Portal;

/// <summary>
/// The customer's details form: read, then checked field by field as the help form checks its own
/// (<see cref="HelpRequestValidation"/>, <see cref="ContactAddress"/>); every bad field is named, nothing is stored
/// unless all pass.
/// </summary>
public static class DetailsForm
{
    public const int MaxNameLength = HelpRequestValidation.MaxNameLength;
    public const int MaxPhones = 5;
    public const int MaxPhonesLength = 200;
    public const int MaxEmailLength = SignInLinks.MaxEmailLength;
    public const int MaxImLength = HelpRequestValidation.MaxImLength;
    public const int MaxHoursLength = 100;
    public const int MaxInterests = 10;
    public const int MaxInterestLength = 40;
    public const int MaxInterestsLength = 450;

    public static readonly IReadOnlyList<(string Field, string Label)> Labels =
    [
        ("name", "Name"), ("phones", "Phone numbers"), ("email", "E-mail address"), ("imAddress", "IM address"),
        ("preferredChannel", "Preferred way to reach you"), ("preferredHours", "Preferred hours"), ("interests", "Interests"),
    ];

    /// <summary>The form's raw values, to show again when it has errors.</summary>
    public sealed record Input(string? Name, string? Phones, string? Email, string? ImAddress, string? PreferredChannel,
        string? PreferredHours, string? Interests)
    {
        public static Input From(IFormCollection form) => new(form["name"], form["phones"], form["email"], form["imAddress"],
            form["preferredChannel"], form["preferredHours"], form["interests"]);

        public static Input From(Customer c) => new(c.Name, string.Join(", ", c.Phones), c.Email, c.ImAddresses.Count > 0 ? c.ImAddresses[0] : null,
            c.PreferredContact?.Channel.ToString().ToLowerInvariant(), c.PreferredContact?.Hours, string.Join(", ", c.Interests ?? []));
    }

    public static CustomerDetails? Validate(Input input, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) errors["name"] = ["enter your name"];
        else if (name.Length > MaxNameLength || name.Any(char.IsControl)) errors["name"] = [$"at most {MaxNameLength} characters, no control characters"];

        var phones = new List<string>();
        var phoneText = input.Phones ?? "";
        if (phoneText.Length > MaxPhonesLength) errors["phones"] = [$"at most {MaxPhonesLength} characters in all"];
        else
        {
            foreach (var part in phoneText.Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (ContactAddress.ParseE164(part, out var error) is { } e164) phones.Add(e164);
                else
                {
                    errors["phones"] = [$"'{Shorten(part)}': {error}"];
                    break;
                }
            }
            if (phones.Count > MaxPhones) errors["phones"] = [$"at most {MaxPhones} numbers"];
        }

        var email = Optional(input.Email);
        if (email is not null && !IsEmail(email)) errors["email"] = [$"give an e-mail address like name@example.com, at most {MaxEmailLength} characters"];

        var im = Optional(input.ImAddress);
        if (im is not null && !HelpRequestValidation.IsImAddress(im)) errors["imAddress"] = ["give an IM address like name@example.com (no spaces), or leave it empty"];

        InteractionChannel? channel = null;
        switch (Optional(input.PreferredChannel)?.ToLowerInvariant())
        {
            case null or "none":
                break;
            case "voice":
                channel = InteractionChannel.Voice;
                break;
            case "im":
                channel = InteractionChannel.Im;
                break;
            case "callback":
                channel = InteractionChannel.Callback;
                break;
            default:
                errors["preferredChannel"] = ["choose phone, chat, call-back or no preference"];
                break;
        }
        if (channel == InteractionChannel.Im && im is null && !errors.ContainsKey("imAddress"))
            errors["preferredChannel"] = ["give your IM address to be reached by chat"];
        else if (channel is InteractionChannel.Voice or InteractionChannel.Callback && phones.Count == 0 && !errors.ContainsKey("phones"))
            errors["preferredChannel"] = ["give a phone number to be reached by phone"];

        var hours = Optional(input.PreferredHours);
        if (hours is not null && (hours.Length > MaxHoursLength || hours.Any(char.IsControl)))
            errors["preferredHours"] = [$"at most {MaxHoursLength} characters, no control characters"];

        var interests = new List<string>();
        var interestText = input.Interests ?? "";
        if (interestText.Length > MaxInterestsLength) errors["interests"] = [$"at most {MaxInterestsLength} characters in all"];
        else
        {
            foreach (var part in interestText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (part.Length > MaxInterestLength || part.Any(char.IsControl))
                {
                    errors["interests"] = [$"each interest at most {MaxInterestLength} characters, no control characters"];
                    break;
                }
                if (!interests.Contains(part, StringComparer.OrdinalIgnoreCase)) interests.Add(part);
            }
            if (interests.Count > MaxInterests) errors["interests"] = [$"at most {MaxInterests} interests"];
        }

        return errors.Count > 0 ? null : new CustomerDetails(name, phones, email, im, channel, hours, interests);
    }

    /// <summary>An addr-spec a relay takes: one @, no spaces, quotes or angle brackets, at most <see cref="MaxEmailLength"/>.</summary>
    public static bool IsEmail(string email)
    {
        if (email.Length > MaxEmailLength) return false;
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == email.Length - 1 || email.IndexOf('@', at + 1) >= 0 || email.IndexOf('.', at) < 0) return false;
        foreach (var ch in email)
            if (char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '<' or '>' or '"' or '\'' or '(' or ')' or ',' or ';' or ':' or '\\' or '[' or ']') return false;
        return true;
    }

    private static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Shorten(string s) => s.Length <= 30 ? s : s[..30] + "…";
}

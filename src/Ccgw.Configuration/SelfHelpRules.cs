namespace Ccgw.Configuration;

/// <summary>SelfHelp: the seed file exists, the content directory exists, the order window is a sane number of days.</summary>
internal static class SelfHelpRules
{
    public static void Check(SelfHelpOptions o, ConfigContext context, ConfigProblems problems)
    {
        if (o.SeedFile is { Length: > 0 } seed)
            context.RequireFile("SelfHelp:SeedFile", seed, problems);
        if (o.ContentDirectory is { Length: > 0 } content && !Directory.Exists(context.Resolve(content)))
            problems.Error("SelfHelp:ContentDirectory", $"'{content}' ({context.Resolve(content)}) is not a directory");
        if (o.OrderWindowDays is < 1 or > 3650)
            problems.Error("SelfHelp:OrderWindowDays", $"{o.OrderWindowDays} is out of range; use 1 to 3650 days");
    }
}

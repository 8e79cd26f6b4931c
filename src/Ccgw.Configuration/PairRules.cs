namespace Ccgw.Configuration;

/// <summary>Checks <c>Pair</c>; every error names its key.</summary>
internal static class PairRules
{
    public static void Check(PairOptions pair, ConfigProblems problems)
    {
        if (pair.ConnectionString is not null && !pair.Enabled)
        {
            // One error for one mistake: the node id's own check would only repeat it.
            problems.Error("Pair:ConnectionString", "is empty; give the PostgreSQL connection string (Host=...;Database=...;Username=...), or remove the Pair section to run a single node");
            return;
        }
        if (!pair.Enabled)
        {
            if (pair.NodeId is not null) problems.Error("Pair:NodeId", "is set but Pair:ConnectionString is not; a pair needs the lease's database");
            return;
        }
        if (!pair.ConnectionString!.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            && !pair.ConnectionString.Contains("Server=", StringComparison.OrdinalIgnoreCase))
            problems.Error("Pair:ConnectionString", "names no server; give an Npgsql connection string such as Host=db.example.com;Database=ccgw;Username=ccgw");
        if (pair.NodeId is { } id && (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
            problems.Error("Pair:NodeId", $"'{id}' is not a node id; use 1-64 letters, digits, '.', '-' or '_' (e.g. ccgw-a)");
        if (pair.LeaseSeconds is < 2 or > 300)
            problems.Error("Pair:LeaseSeconds", $"{pair.LeaseSeconds} is out of range; use 2-300 seconds (10 is usual: the takeover time)");
        else if (pair.RenewSeconds < 1 || pair.RenewSeconds * 2 > pair.LeaseSeconds)
            problems.Error("Pair:RenewSeconds", $"{pair.RenewSeconds} is out of range; use 1 to half of Pair:LeaseSeconds ({pair.LeaseSeconds / 2}), so that one lost renewal does not cost the lease");
    }
}

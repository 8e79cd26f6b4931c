namespace Ccgw.Daemon;

/// <summary>sysexits.h codes, so systemd and scripts can tell a bad config from a crash.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 64;        // EX_USAGE: bad command line
    public const int Software = 70;     // EX_SOFTWARE: an unexpected fault
    public const int OsError = 71;      // EX_OSERR: a listener could not be bound
    public const int CantCreate = 73;   // EX_CANTCREAT: the database could not be opened or migrated
    public const int TempFail = 75;     // EX_TEMPFAIL: another ccgw holds the data directory's lock; try again when it stops
    public const int Config = 78;       // EX_CONFIG: the configuration is invalid
}

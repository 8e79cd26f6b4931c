global using Ccgw.Configuration;
// StoredCredential moved from Ccgw.Configuration to the core's Security folder; the channel files name it unqualified.
global using Ccgw.Core.Security;

// ccgw is a Linux daemon (systemd notify, Unix sockets and file modes); say so once for the platform analyzer.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

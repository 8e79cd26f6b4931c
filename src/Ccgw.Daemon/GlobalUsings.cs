global using Ccgw.Configuration;

// ccgw is a Linux daemon (systemd notify, Unix sockets and file modes); say so once for the platform analyzer.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

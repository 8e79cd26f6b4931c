// The daemon is Linux-only (see src/Ccgw.Daemon/GlobalUsings.cs); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The XMPP load tool reads server streams with the same parser (bench/Ccgw.Bench.Xmpp).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Ccgw.Bench.Xmpp")]

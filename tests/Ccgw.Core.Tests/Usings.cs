global using static Ccgw.Core.Tests.TestCentre;

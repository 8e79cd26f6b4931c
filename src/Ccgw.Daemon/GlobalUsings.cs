global using Ccgw.Configuration;

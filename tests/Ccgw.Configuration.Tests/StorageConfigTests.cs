using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary><c>Storage</c> (issue 22): the engine choice and the PostgreSQL connection, every error naming its key and none quoting a password.</summary>
public sealed class StorageConfigTests
{
    private const string Good = "Host=db1.example.net;Port=5432;Database=ccgw;Username=ccgw";

    [Fact]
    public void The_demo_config_keeps_sqlite()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.False(loaded.Options.Storage.IsPostgreSql);
        Assert.Equal("sqlite", loaded.Options.Storage.Engine);
    }

    [Fact]
    public void Postgresql_with_a_complete_connection_string_is_accepted()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject { ["Engine"] = "postgresql", ["ConnectionString"] = Good });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.True(loaded.Options.Storage.IsPostgreSql);
        Assert.DoesNotContain(loaded.Problems.Warnings, w => w.Key.StartsWith("Storage", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mysql", Good, "Storage:Engine")]
    [InlineData("postgresql", null, "Storage:ConnectionString")]
    [InlineData("postgresql", "Port=5432;Database=ccgw;Username=ccgw", "Storage:ConnectionString")]
    [InlineData("postgresql", "Host=db1;Username=ccgw", "Storage:ConnectionString")]
    [InlineData("postgresql", "Host=db1;Database=ccgw", "Storage:ConnectionString")]
    [InlineData("postgresql", "Host=db1;Database=ccgw;Username=ccgw;'oops", "Storage:ConnectionString")]
    public void Bad_storage_settings_are_named(string engine, string? connectionString, string named)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject { ["Engine"] = engine, ["ConnectionString"] = connectionString });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal(named, error.Key);
    }

    [Fact]
    public void A_password_in_the_connection_string_is_warned_about_and_never_repeated()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject
        {
            ["Engine"] = "postgresql",
            ["ConnectionString"] = Good + ";Password=s3cret-Pa55",
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var warning = Assert.Single(loaded.Problems.Warnings, w => w.Key == "Storage:ConnectionString");
        Assert.DoesNotContain("s3cret", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_file_must_exist_and_cannot_be_combined_with_a_password_in_the_string()
    {
        var missing = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject
        {
            ["Engine"] = "postgresql",
            ["ConnectionString"] = Good,
            ["PasswordFile"] = "no-such-password-file",
        });
        Assert.Equal("Storage:PasswordFile", Assert.Single(missing.Problems.Errors).Key);

        var file = Path.GetTempFileName();
        try
        {
            var ok = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject
            {
                ["Engine"] = "postgresql",
                ["ConnectionString"] = Good,
                ["PasswordFile"] = file,
            });
            Assert.True(ok.IsValid, string.Join('\n', ok.Problems.Errors));

            var both = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject
            {
                ["Engine"] = "postgresql",
                ["ConnectionString"] = Good + ";Password=x",
                ["PasswordFile"] = file,
            });
            Assert.Equal("Storage:PasswordFile", Assert.Single(both.Problems.Errors).Key);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_connection_string_under_sqlite_is_ignored_with_a_warning()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Storage"] = new JsonObject { ["ConnectionString"] = Good });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Contains(loaded.Problems.Warnings, w => w.Key == "Storage:ConnectionString");
    }
}

namespace Ccgw.Mqtt.Tests.Gateway;

public sealed class UserConnectionTrackerTests
{
    [Fact]
    public async Task Only_the_first_open_and_the_last_close_of_a_user_are_reported_with_the_current_count()
    {
        var tracker = new UserConnectionTracker();
        tracker.Opened("alice");
        tracker.Opened("alice");
        tracker.Opened("bob");
        var first = await tracker.WaitForChangesAsync(CancellationToken.None);
        Assert.Equal([("alice", 2), ("bob", 1)], first.Select(c => (c.UserName, c.Connections)).OrderBy(c => c.UserName));

        tracker.Closed("alice");
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await tracker.WaitForChangesAsync(quiet.Token));

        tracker.Closed("alice");
        var last = await tracker.WaitForChangesAsync(CancellationToken.None);
        Assert.Equal(new MqttUserConnections("alice", 0), Assert.Single(last));
        Assert.Equal(0, tracker.Count("alice"));
    }
}

using System.Net;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Sip.Tests.Registrar;

/// <summary>Issue 21: bindings served from memory, written to storage in groups, 200 OK after the group (or not, write-behind).</summary>
public class GroupCommitRegistrationStoreTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Storage that records each transaction and can hold one open (as a slow fsync would) or fail it.</summary>
    private sealed class FakeStorage : IBindingPersistence
    {
        private readonly Lock _gate = new();
        private readonly List<Dictionary<string, IReadOnlyList<SipBinding>>> _groups = [];
        // Set by the first group and never replaced: a test that asks after the writer has already begun still sees it.
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _succeeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a write first returns without failing.</summary>
        public Task Succeeded => _succeeded.Task;

        public List<SipBinding> Initial { get; } = [];

        /// <summary>While set and not completed, a write waits for it.</summary>
        public TaskCompletionSource? Hold { get; set; }

        public int FailuresLeft { get; set; }

        public int Lists { get; private set; }

        public IReadOnlyList<Dictionary<string, IReadOnlyList<SipBinding>>> Groups
        {
            get { lock (_gate) return [.. _groups]; }
        }

        /// <summary>Completes when the first group's write has begun.</summary>
        public Task Started => _started.Task;

        public ValueTask<IReadOnlyList<SipBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            Lists++;
            return ValueTask.FromResult<IReadOnlyList<SipBinding>>([.. Initial.Where(b => b.ExpiresAt > now)]);
        }

        public async ValueTask WriteGroupAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<SipBinding>>> changes, CancellationToken cancellationToken)
        {
            lock (_gate) _groups.Add(changes.ToDictionary(c => c.Key, c => c.Value));
            _started.TrySetResult();
            if (Hold is { } hold) await hold.Task;
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new IOException("disk full");
            }
            _succeeded.TrySetResult();
        }
    }

    private static SipBinding Binding(string user, int port, DateTimeOffset expires) =>
        new($"sip:{user}@localhost", $"sip:{user}@127.0.0.1:{port}", "call-" + user, 1, expires, null, $"UDP:127.0.0.1:{port}");

    [Fact]
    public async Task Lookups_come_from_memory_loaded_once_and_changes_are_seen_before_they_are_durable()
    {
        var time = new ManualTimeProvider();
        var storage = new FakeStorage { Hold = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        storage.Initial.Add(Binding("alice", 5080, time.GetUtcNow().AddHours(1)));
        storage.Initial.Add(Binding("old", 5090, time.GetUtcNow().AddHours(-1)));
        await using var store = new GroupCommitRegistrationStore(storage, RegistrarPersistence.Durable, time, NullLogger.Instance);

        Assert.Equal("sip:alice@127.0.0.1:5080", Assert.Single(await store.GetBindingsAsync("SIP:Alice@localhost", default)).ContactUri);
        Assert.Empty(await store.GetBindingsAsync("sip:old@localhost", default));
        var durable = store.ReplaceBindingsAsync("sip:bob@localhost", [Binding("bob", 5100, time.GetUtcNow().AddHours(1))], default).AsTask();
        Assert.Single(await store.GetBindingsAsync("sip:bob@localhost", default));
        await storage.Started.WaitAsync(Patience);
        Assert.False(durable.IsCompleted, "a durable change completes only after its transaction commits");

        storage.Hold.SetResult();
        await durable.WaitAsync(Patience);
        Assert.Equal(1, storage.Lists);
        Assert.Equal(1, store.GroupsWritten);
    }

    [Fact]
    public async Task Changes_made_while_a_group_commits_share_the_next_transaction_with_the_latest_list_per_address()
    {
        var time = new ManualTimeProvider();
        var storage = new FakeStorage { Hold = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var store = new GroupCommitRegistrationStore(storage, RegistrarPersistence.Durable, time, NullLogger.Instance);
        await store.LoadAsync(default);

        var first = store.ReplaceBindingsAsync("sip:u0@localhost", [Binding("u0", 6000, time.GetUtcNow().AddHours(1))], default).AsTask();
        await storage.Started.WaitAsync(Patience);
        var waiting = new List<Task>();
        for (var i = 1; i <= 50; i++)
            waiting.Add(store.ReplaceBindingsAsync($"sip:u{i}@localhost", [Binding($"u{i}", 6000 + i, time.GetUtcNow().AddHours(1))], default).AsTask());
        waiting.Add(store.ReplaceBindingsAsync("sip:u7@localhost", [], default).AsTask());
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        storage.Hold.SetResult();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(Patience);
        var groups = storage.Groups;
        Assert.Equal(2, groups.Count);
        Assert.Equal(["sip:u0@localhost"], groups[0].Keys);
        Assert.Equal(50, groups[1].Count);
        Assert.Empty(groups[1]["sip:u7@localhost"]);
        Assert.Empty(await store.GetBindingsAsync("sip:u7@localhost", default));
        Assert.Equal(51, store.AddressesWritten);
    }

    [Fact]
    public async Task Write_behind_completes_at_once_and_storage_follows()
    {
        var time = new ManualTimeProvider();
        var storage = new FakeStorage { Hold = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var store = new GroupCommitRegistrationStore(storage, RegistrarPersistence.WriteBehind, time, NullLogger.Instance);
        await store.LoadAsync(default);

        var change = store.ReplaceBindingsAsync("sip:alice@localhost", [Binding("alice", 5080, time.GetUtcNow().AddHours(1))], default);
        Assert.True(change.IsCompletedSuccessfully);
        await storage.Started.WaitAsync(Patience);
        Assert.Equal(0, store.GroupsWritten);

        storage.Hold.SetResult();
        await store.DisposeAsync();
        Assert.Equal(1, store.GroupsWritten);
        Assert.Contains("sip:alice@localhost", Assert.Single(storage.Groups).Keys);
    }

    [Fact]
    public async Task A_failed_group_fails_its_durable_waiters_and_is_written_again()
    {
        var time = new ManualTimeProvider();
        var storage = new FakeStorage { FailuresLeft = 1 };
        await using var store = new GroupCommitRegistrationStore(storage, RegistrarPersistence.Durable, time, NullLogger.Instance) { RetryDelay = TimeSpan.Zero };
        await store.LoadAsync(default);

        var failed = store.ReplaceBindingsAsync("sip:alice@localhost", [Binding("alice", 5080, time.GetUtcNow().AddHours(1))], default).AsTask();
        await Assert.ThrowsAsync<IOException>(() => failed.WaitAsync(Patience));
        // Kept in memory, and the retry writes it without another REGISTER.
        Assert.Single(await store.GetBindingsAsync("sip:alice@localhost", default));
        await storage.Succeeded.WaitAsync(Patience);
        Assert.Equal(2, storage.Groups.Count);
        Assert.All(storage.Groups, g => Assert.Equal(["sip:alice@localhost"], g.Keys));
    }

    [Theory]
    [InlineData(RegistrarPersistence.Durable)]
    [InlineData(RegistrarPersistence.WriteBehind)]
    public async Task The_registrars_200_waits_for_the_commit_only_when_durable(RegistrarPersistence mode)
    {
        var time = new ManualTimeProvider();
        var storage = new FakeStorage();
        await using var store = new GroupCommitRegistrationStore(storage, mode, time, NullLogger.Instance);
        await store.LoadAsync(default); // as the daemon's SipRegistrationStartup does before any listener opens
        var creds = new InMemoryCredentialStore([SipCredentials.FromPassword("alice", "localhost", "demo-alice")]);
        var auth = new SipDigestAuthenticator(new SipDigestOptions(), creds, time);
        var registrar = new SipRegistrar(new SipRegistrarOptions(), store, auth, time);
        var source = new SipEndPoint(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5099));

        var challenge = await registrar.HandleAsync(Register(1), source, "t", default);
        Assert.Equal(401, challenge.StatusCode);
        storage.Hold = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = Register(2);
        Answer(answered, challenge);
        var ok = registrar.HandleAsync(answered, source, "t", default).AsTask();
        try
        {
            await storage.Started.WaitAsync(Patience);
            if (mode == RegistrarPersistence.WriteBehind)
            {
                // Answered while the commit is still held (the writer may start before the answer is returned, so wait).
                Assert.Equal(200, (await ok.WaitAsync(Patience)).StatusCode);
            }
            else
            {
                // Durable: nothing is answered while the group's commit is held.
                Assert.False(ok.IsCompleted, "the 200 went out before the binding was committed");
            }
        }
        finally
        {
            // Released whatever happened above: the store's disposal writes the held group and would otherwise wait on it.
            storage.Hold.TrySetResult();
        }
        Assert.Equal(200, (await ok.WaitAsync(Patience)).StatusCode);
        Assert.Single(await store.GetBindingsAsync("sip:alice@localhost", default));
    }

    private static SipRequest Register(uint cseq)
    {
        var r = new SipRequest("REGISTER", SipUri.Parse("sip:localhost"));
        r.Via.Add(new SipVia("UDP", "127.0.0.1", 5099, "z9hG4bK" + Guid.NewGuid().ToString("N")));
        r.To = SipNameAddress.Parse("<sip:alice@localhost>");
        r.From = SipNameAddress.Parse("<sip:alice@localhost>;tag=x");
        r.CallId = "reg-1";
        r.CSeq = new SipCSeq(cseq, "REGISTER");
        r.Contact.Add(SipNameAddress.Parse("<sip:alice@127.0.0.1:5099>"));
        return r;
    }

    private static void Answer(SipRequest r, SipResponse challenge)
    {
        var header = challenge.Headers.GetAll(SipHeaderNames.WwwAuthenticate).Select(DigestHeader.Parse).First(h => h["algorithm"] == "MD5");
        var ha1 = DigestHash.Hex(DigestAlgorithm.Md5, $"alice:{header["realm"]}:demo-alice");
        var ha2 = DigestHash.Hex(DigestAlgorithm.Md5, "REGISTER:sip:localhost");
        // Upper-case hex: accepted as before the allocation-free comparison.
        var response = DigestHash.Hex(DigestAlgorithm.Md5, $"{ha1}:{header["nonce"]}:00000001:abc:auth:{ha2}").ToUpperInvariant();
        r.Headers.Add(SipHeaderNames.Authorization,
            $"Digest username=\"alice\", realm=\"{header["realm"]}\", nonce=\"{header["nonce"]}\", uri=\"sip:localhost\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abc\"");
    }
}

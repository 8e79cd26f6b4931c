using Ccgw.Media;
using Ccgw.Media.Audio;

namespace Ccgw.Voice;

/// <summary>
/// How a flow is rendered on a leg: prompts played, a key press stops them (barge-in), then a digit awaited. Shared by
/// the inbound call (<see cref="VoiceCall"/>, the DID's flow) and the automated call-back (<see cref="CallbackCall"/>,
/// the topic's flow), so the customer hears and keys the same whichever way the call started.
/// </summary>
internal readonly record struct FlowPlayer(CallMedia Media, QueueAnnouncer Announcer, TimeProvider Time)
{
    public AudioPrompt? Prompt(string id) => Announcer.Prompt(id, Media.Audio?.Codec ?? G711Codec.Pcmu);

    /// <summary>Plays the prompts (a key press stops them: barge-in), then waits for a key up to <paramref name="timeout"/>.</summary>
    public async Task<char?> PromptAndReadDigitAsync(IReadOnlyList<string> prompts, TimeSpan timeout, CancellationToken ct)
    {
        var media = Media;
        var digits = media.Digits;
        foreach (var id in prompts)
        {
            if (digits.TryPeek(out _)) break;
            if (Prompt(id) is not { } prompt) continue;
            using var keyWatch = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var play = media.PlayAsync(prompt, ct);
            var key = digits.WaitToReadAsync(keyWatch.Token).AsTask();
            if (await Task.WhenAny(play, key) == key && key.IsCompletedSuccessfully && await key)
            {
                media.StopPlayback();
                await play;
                break;
            }
            await keyWatch.CancelAsync();
            await play;
        }
        using var timer = new CancellationTokenSource(timeout, Time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            return await digits.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task PlayAsync(IEnumerable<string> prompts, CancellationToken ct)
    {
        foreach (var id in prompts)
            if (Prompt(id) is { } prompt)
                await Media.PlayAsync(prompt, ct);
    }
}

namespace Ccgw.Core.Repositories;

/// <summary>
/// How a customer wants status alerts (issue 18): on their page (<c>/me</c> shows the news, nothing is sent), in chat,
/// or by e-mail. Unset means <see cref="Page"/>: nothing leaves the centre unasked.
/// </summary>
public enum AlertMedium
{
    Page,
    Chat,
    Email,
}

/// <summary>The customer's chosen alert medium (migration 0050).</summary>
public interface IAlertMediumStore
{
    ValueTask<AlertMedium?> GetAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask SetAsync(string customerId, AlertMedium medium, DateTimeOffset at, CancellationToken cancellationToken = default);
}

using Microsoft.Extensions.Logging;

namespace Ccgw.Media;

/// <summary>
/// The media library's log lines, source-generated (nothing is formatted unless enabled, so the pacing tick stays
/// allocation-free). Event ids 14300-14399. The host hands one <see cref="ILogger"/> (category "Ccgw.Media").
/// </summary>
internal static partial class MediaLog
{
    [LoggerMessage(EventId = 14300, Level = LogLevel.Error, Message = "An RTP stream's source or sink failed; its playback was interrupted, the other streams go on")]
    public static partial void StreamFault(this ILogger logger, Exception exception);
}

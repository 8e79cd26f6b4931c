using System.Net.Sockets;

namespace Ccgw.Systemd;

/// <summary>Interprets <c>$NOTIFY_SOCKET</c>: an absolute path, or <c>@name</c> for the Linux abstract namespace.</summary>
internal static class NotifySocketAddress
{
    public const string Variable = "NOTIFY_SOCKET";

    public static UnixDomainSocketEndPoint? Parse(string? value, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(value)) return null;
        try
        {
            if (value[0] == '@' && value.Length > 1)
                return new UnixDomainSocketEndPoint("\0" + value[1..]);
            if (value[0] == '/')
                return new UnixDomainSocketEndPoint(value);
        }
        catch (ArgumentException e)
        {
            problem = e.Message; // e.g. longer than sun_path
            return null;
        }
        // vsock: addresses (systemd 254+ in VMs) are not something this daemon is deployed with.
        problem = "only absolute paths and @abstract names are supported";
        return null;
    }
}

using System.Net;

namespace Ccgw.Sip.Dns;

/// <summary>The record types this stub client asks for or follows (RFC 1035 §3.2.2, RFC 3596, RFC 2782).</summary>
internal enum DnsRecordType : ushort
{
    A = 1,
    Ns = 2,
    Cname = 5,
    Soa = 6,
    Aaaa = 28,
    Srv = 33,
}

/// <summary>RCODE (RFC 1035 §4.1.1). NXDOMAIN (the name does not exist) is an answer; the others make us ask the next server.</summary>
internal enum DnsResponseCode
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
}

internal sealed record DnsQuestion(string Name, DnsRecordType Type, ushort Class);

/// <summary>SRV RDATA (RFC 2782). A target of "." means "the service is decidedly not available at this domain".</summary>
internal sealed record DnsSrv(ushort Priority, ushort Weight, ushort Port, string Target);

/// <summary>
/// One resource record. Only the RDATA of the types we use is decoded: <see cref="Address"/> for A/AAAA,
/// <see cref="Target"/> for CNAME, <see cref="Srv"/> for SRV, <see cref="NegativeTtl"/> for SOA (RFC 2308 §5);
/// other types keep only their header.
/// </summary>
internal sealed record DnsRecord(string Name, DnsRecordType Type, ushort Class, uint Ttl)
{
    public IPAddress? Address { get; init; }

    public string? Target { get; init; }

    public DnsSrv? Srv { get; init; }

    /// <summary>For SOA: how long a negative answer may be cached, min(TTL, MINIMUM) (RFC 2308 §5).</summary>
    public uint? NegativeTtl { get; init; }
}

internal sealed record DnsMessage(
    ushort Id,
    bool IsResponse,
    int Opcode,
    bool Truncated,
    DnsResponseCode ResponseCode,
    IReadOnlyList<DnsQuestion> Questions,
    IReadOnlyList<DnsRecord> Answers,
    IReadOnlyList<DnsRecord> Authorities,
    IReadOnlyList<DnsRecord> Additionals);

/// <summary>A DNS message that does not decode: the only exception <see cref="DnsCodec.Parse"/> raises.</summary>
internal sealed class DnsFormatException : Exception
{
    public DnsFormatException()
    {
    }

    public DnsFormatException(string message) : base(message)
    {
    }

    public DnsFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

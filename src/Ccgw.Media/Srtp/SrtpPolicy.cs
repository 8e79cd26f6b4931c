namespace Ccgw.Media.Srtp;

/// <summary>An agent's <c>Srtp</c> setting: how the gateway's offer to that agent's phone asks for SDES-SRTP.</summary>
public enum SrtpPolicy
{
    /// <summary>Plain RTP/AVP, no key offered.</summary>
    Off,

    /// <summary>RTP/AVP with <c>a=crypto</c>: SRTP if the phone answers with a key, plain RTP if it answers without.</summary>
    Optional,

    /// <summary>RTP/SAVP with <c>a=crypto</c>: an answer without a usable key fails the leg.</summary>
    Required,
}

namespace Beacon.Bgp.Wire;

/// <summary>What the session negotiated that changes how an UPDATE is read.</summary>
/// <param name="FourOctetAs">Both sides advertised the 4-octet AS capability (RFC 6793).</param>
/// <param name="InternalPeer">
/// The peer is internal: LOCAL_PREF is mandatory (RFC 4271 §5.1.5, RFC 7606 §3.d) and LOCAL_PREF,
/// ORIGINATOR_ID and CLUSTER_LIST are checked; from an external peer they are discarded
/// (RFC 7606 §7.5, §7.9, §7.10).
/// </param>
/// <param name="Ipv6NextHopForIpv4">
/// We advertised the Extended Next Hop capability for IPv4 unicast (RFC 8950), so IPv4 NLRI in
/// MP_REACH_NLRI may carry a 16- or 32-octet IPv6 next hop; without it such a next hop is an error.
/// </param>
/// <param name="PeerAsn">
/// The external peer's AS, for the leftmost-AS check of RFC 4271 §6.3 (treat-as-withdraw per
/// RFC 7606 §7.2); 0 skips it.
/// </param>
public readonly record struct UpdateDecodeOptions(bool FourOctetAs, bool InternalPeer = false, bool Ipv6NextHopForIpv4 = false, uint PeerAsn = 0);

/// <summary>What the session negotiated that changes how UPDATEs are written.</summary>
/// <param name="FourOctetAs">Both sides advertised the 4-octet AS capability (RFC 6793).</param>
/// <param name="MaxMessageSize">4096, or 65535 with the Extended Message capability (RFC 8654).</param>
public readonly record struct UpdateEncodeOptions(bool FourOctetAs, int MaxMessageSize = BgpFraming.MaxMessageSize);

/// <summary>RFC 7606 §2 outcome of reading an UPDATE; a session reset is a <see cref="BgpProtocolException"/>.</summary>
public enum UpdateErrorAction
{
    None = 0,
    AttributeDiscard = 1,
    TreatAsWithdraw = 2,
}

/// <summary>
/// One error found and handled while reading an UPDATE: the attribute it concerns, the action
/// taken, and the RFC 4271 §6.3 subcode the error would have had before RFC 7606.
/// </summary>
public readonly record struct UpdateDiagnostic(byte AttributeType, UpdateErrorAction Action, byte Subcode, string Reason)
{
    public override string ToString() => $"attribute {AttributeType}: {Reason} ({Action}, 3/{Subcode})";
}

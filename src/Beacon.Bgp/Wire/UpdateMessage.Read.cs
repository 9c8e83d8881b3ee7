using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Wire;

public sealed partial class UpdateMessage
{
    /// <summary>
    /// The whole UPDATE body when RFC 7606 handling applied (treat-as-withdraw or attribute
    /// discard), for the log RFC 7606 §6 asks for; empty otherwise.
    /// </summary>
    public ReadOnlyMemory<byte> MalformedBody { get; private set; }

    /// <summary>Reads an UPDATE body that may span several buffer segments.</summary>
    public static UpdateMessage Read(in ReadOnlySequence<byte> body, in UpdateDecodeOptions options)
    {
        var copy = options;
        return BgpFraming.ReadBody(body, span => Read(span, copy));
    }

    /// <summary>
    /// Reads an UPDATE body (RFC 4271 §4.3) applying the error handling of RFC 7606: errors
    /// that allow it become <see cref="UpdateErrorAction"/> outcomes, the rest throw
    /// <see cref="BgpProtocolException"/>.
    /// </summary>
    /// <remarks>
    /// Where RFC 7606 allows "AFI/SAFI disable" (errors inside MP_REACH_NLRI / MP_UNREACH_NLRI,
    /// §5.3, §7.11) Beacon takes the other allowed outcome, session reset: a peer that sends a
    /// broken MP attribute gets a NOTIFICATION and the session restarts, rather than the family
    /// going silently dead until the next restart. Several errors in one UPDATE take the
    /// strongest outcome (§3.h); a session reset is thrown at the first such error.
    /// <code>
    /// +-----------------------------------------------------+
    /// |   Withdrawn Routes Length (2 octets)                |
    /// |   Withdrawn Routes (variable)                       |
    /// |   Total Path Attribute Length (2 octets)            |
    /// |   Path Attributes (variable)                        |
    /// |   Network Layer Reachability Information (variable) |
    /// +-----------------------------------------------------+
    /// </code>
    /// </remarks>
    public static UpdateMessage Read(ReadOnlySpan<byte> body, in UpdateDecodeOptions options)
    {
        try
        {
            return ReadChecked(body, options);
        }
        catch (BgpProtocolException ex) when (ex.MessageBody.IsEmpty)
        {
            // RFC 7606 §6: the session logs the entire malformed UPDATE.
            throw new BgpProtocolException(ex.Code, ex.Subcode, ex.Data, ex.Message) { MessageBody = body.ToArray() };
        }
    }

    private static UpdateMessage ReadChecked(ReadOnlySpan<byte> body, in UpdateDecodeOptions options)
    {
        // RFC 4271 §6.3: lengths that do not fit the message are a Malformed Attribute List.
        if (body.Length < 4)
        {
            throw MalformedList("UPDATE shorter than its two length fields");
        }

        int withdrawnLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (withdrawnLength > body.Length - 4)
        {
            throw MalformedList($"withdrawn routes length {withdrawnLength} overruns the message");
        }

        int attributesLength = BinaryPrimitives.ReadUInt16BigEndian(body[(2 + withdrawnLength)..]);
        if (attributesLength > body.Length - 4 - withdrawnLength)
        {
            throw MalformedList($"total path attribute length {attributesLength} overruns the message");
        }

        var withdrawnField = body.Slice(2, withdrawnLength);
        var attributeField = body.Slice(4 + withdrawnLength, attributesLength);
        var nlriField = body[(4 + withdrawnLength + attributesLength)..];

        var withdrawn = ImmutableArray.CreateBuilder<IPNetwork>(withdrawnLength / 4);
        Prefixes.Read(withdrawnField, ipv6: false, withdrawn);
        var announced = ImmutableArray.CreateBuilder<IPNetwork>(nlriField.Length / 4);
        Prefixes.Read(nlriField, ipv6: false, announced);
        var ipv4NlriPresent = announced.Count > 0;

        if (attributesLength == 0)
        {
            if (ipv4NlriPresent)
            {
                // RFC 7606 §3.d: NLRI without the mandatory attributes is treat-as-withdraw.
                var missing = new UpdateDiagnostic(
                    AttributeType.Origin, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.MissingWellKnownAttribute, "NLRI without path attributes");
                withdrawn.AddRange(announced);
                return new UpdateMessage(withdrawn.DrainToImmutable(), [], null, UpdateErrorAction.TreatAsWithdraw, null, [missing])
                {
                    MalformedBody = body.ToArray(),
                };
            }

            // RFC 4724 §2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB.
            RouteFamily? eor = withdrawn.Count == 0 ? RouteFamily.Ipv4Unicast : null;
            return new UpdateMessage(withdrawn.DrainToImmutable(), [], null, UpdateErrorAction.None, eor);
        }

        var reader = new AttributeReader(options, withdrawn, announced);
        reader.ReadAll(attributeField);
        var update = reader.Finish(ipv4NlriPresent, withdrawnLength == 0 && nlriField.IsEmpty);
        if (update.Action != UpdateErrorAction.None)
        {
            update.MalformedBody = body.ToArray();
        }

        return update;
    }

    private static BgpProtocolException MalformedList(string message) =>
        new(ErrorCode.UpdateMessage, UpdateErrorSubcode.MalformedAttributeList, message);

    /// <summary>Accumulates the attributes of one UPDATE; lives on the stack.</summary>
    private ref struct AttributeReader
    {
        private const byte FlagMask = UnknownAttribute.OptionalFlag | UnknownAttribute.TransitiveFlag | UnknownAttribute.PartialFlag;
        private const byte WellKnown = UnknownAttribute.TransitiveFlag;
        private const byte OptionalNonTransitive = UnknownAttribute.OptionalFlag;
        private const byte OptionalTransitive = UnknownAttribute.OptionalFlag | UnknownAttribute.TransitiveFlag;

        private readonly UpdateDecodeOptions _options;
        private readonly ImmutableArray<IPNetwork>.Builder _withdrawn;
        private readonly ImmutableArray<IPNetwork>.Builder _announced;

        // One bit per attribute type code seen (RFC 7606 §3.g duplicate handling).
        private SeenTypes _seen;

        private UpdateErrorAction _action;
        private List<UpdateDiagnostic>? _diagnostics;
        private List<UnknownAttribute>? _unknown;

        private Origin? _origin;
        private ImmutableArray<AsPathSegment>? _asPath;
        private ImmutableArray<AsPathSegment>? _as4Path;
        private IPAddress? _nextHop;
        private IPAddress? _mpNextHop;
        private IPAddress? _linkLocalNextHop;
        private uint? _med;
        private uint? _localPref;
        private bool _atomicAggregate;
        private Aggregator? _aggregator;
        private Aggregator? _as4Aggregator;
        private ImmutableArray<uint> _communities;
        private ImmutableArray<ulong> _extendedCommunities;
        private ImmutableArray<LargeCommunity> _largeCommunities;
        private bool _mpReachNlriPresent;
        private RouteFamily? _mpUnreachFamily;
        private bool _mpUnreachEmpty;
        private bool _onlyMpUnreach;

        public AttributeReader(in UpdateDecodeOptions options, ImmutableArray<IPNetwork>.Builder withdrawn, ImmutableArray<IPNetwork>.Builder announced)
        {
            _options = options;
            _withdrawn = withdrawn;
            _announced = announced;
            _communities = [];
            _extendedCommunities = [];
            _largeCommunities = [];
            _onlyMpUnreach = true;
        }

        public void ReadAll(ReadOnlySpan<byte> field)
        {
            while (!field.IsEmpty)
            {
                // Attribute: flags (1), type (1), length (1, or 2 with Extended Length).
                if (field.Length < 3 || ((field[0] & UnknownAttribute.ExtendedLengthFlag) != 0 && field.Length < 4))
                {
                    // RFC 7606 §4: the Total Path Attribute Length still locates the NLRI.
                    Report(0, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.MalformedAttributeList, "attribute header overruns the path attributes");
                    return;
                }

                var flags = field[0];
                var type = field[1];
                var extended = (flags & UnknownAttribute.ExtendedLengthFlag) != 0;
                var headerLength = extended ? 4 : 3;
                int length = extended ? BinaryPrimitives.ReadUInt16BigEndian(field[2..]) : field[2];
                if (length > field.Length - headerLength)
                {
                    Report(type, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.AttributeLengthError, $"attribute {type} length {length} overruns the path attributes");
                    return;
                }

                var whole = field[..(headerLength + length)];
                var value = whole[headerLength..];
                field = field[whole.Length..];

                if (type != AttributeType.MpUnreachNlri)
                {
                    _onlyMpUnreach = false;
                }

                if (!MarkSeen(type))
                {
                    if (type is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri)
                    {
                        throw MalformedList($"attribute {type} appears twice");
                    }

                    // RFC 7606 §3.g: keep the first occurrence.
                    Report(type, UpdateErrorAction.AttributeDiscard, UpdateErrorSubcode.MalformedAttributeList, "duplicate attribute discarded");
                    continue;
                }

                ReadAttribute((byte)(flags & ~UnknownAttribute.ExtendedLengthFlag), type, value, whole);
            }
        }

        private bool MarkSeen(byte type)
        {
            var bit = 1UL << (type & 63);
            if ((_seen[type >> 6] & bit) != 0)
            {
                return false;
            }

            _seen[type >> 6] |= bit;
            return true;
        }

        private void Report(byte type, UpdateErrorAction action, byte subcode, string reason)
        {
            if (action > _action)
            {
                _action = action;
            }

            (_diagnostics ??= []).Add(new UpdateDiagnostic(type, action, subcode, reason));
        }

        private bool CheckFlags(byte flags, byte type, byte expected, UpdateErrorAction onError)
        {
            // Partial is only meaningful for optional transitive attributes (RFC 4271 §4.3).
            var mask = expected == OptionalTransitive ? (byte)(UnknownAttribute.OptionalFlag | UnknownAttribute.TransitiveFlag) : FlagMask;
            if ((flags & mask) == expected)
            {
                return true;
            }

            // RFC 7606 §3.c: flags in conflict make the attribute malformed.
            Report(type, onError, UpdateErrorSubcode.AttributeFlagsError, $"attribute flags 0x{flags:X2} conflict with type {type}");
            return false;
        }

        private void ReadAttribute(byte flags, byte type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            const UpdateErrorAction Withdraw = UpdateErrorAction.TreatAsWithdraw;
            const UpdateErrorAction Discard = UpdateErrorAction.AttributeDiscard;
            switch (type)
            {
                case AttributeType.Origin:
                    // RFC 7606 §7.1.
                    if (!CheckFlags(flags, type, WellKnown, Withdraw))
                    {
                        _origin = Origin.Igp;
                    }
                    else if (value.Length != 1)
                    {
                        Report(type, Withdraw, UpdateErrorSubcode.AttributeLengthError, "ORIGIN length is not 1");
                        _origin = Origin.Igp;
                    }
                    else if (value[0] > (byte)Origin.Incomplete)
                    {
                        Report(type, Withdraw, UpdateErrorSubcode.InvalidOriginAttribute, $"undefined ORIGIN {value[0]}");
                        _origin = Origin.Igp;
                    }
                    else
                    {
                        _origin = (Origin)value[0];
                    }

                    break;

                case AttributeType.AsPath:
                    // RFC 7606 §7.2; the ASN width depends on the session (RFC 6793 §4).
                    _asPath = [];
                    if (CheckFlags(flags, type, WellKnown, Withdraw))
                    {
                        if (TryReadAsPath(value, _options.FourOctetAs ? 4 : 2, allowConfederation: true, out var path))
                        {
                            _asPath = path;
                        }
                        else
                        {
                            Report(type, Withdraw, UpdateErrorSubcode.MalformedAsPath, "malformed AS_PATH");
                        }
                    }

                    break;

                case AttributeType.NextHop:
                    // RFC 7606 §7.3.
                    _nextHop = IPAddress.Any;
                    if (!CheckFlags(flags, type, WellKnown, Withdraw))
                    {
                        break;
                    }

                    if (value.Length != 4)
                    {
                        Report(type, Withdraw, UpdateErrorSubcode.AttributeLengthError, "NEXT_HOP length is not 4");
                    }
                    else if (!IsValidIpv4Host(value))
                    {
                        Report(type, Withdraw, UpdateErrorSubcode.InvalidNextHopAttribute, $"NEXT_HOP {new IPAddress(value)} is not a host address");
                    }
                    else
                    {
                        _nextHop = new IPAddress(value);
                    }

                    break;

                case AttributeType.MultiExitDisc:
                    // RFC 7606 §7.4.
                    if (CheckFlags(flags, type, OptionalNonTransitive, Withdraw))
                    {
                        _med = ReadUInt32(type, value, Withdraw);
                    }

                    break;

                case AttributeType.LocalPref:
                    // RFC 7606 §7.5: from an external peer it is discarded whatever it holds
                    // (RFC 4271 §5.1.5 has it ignored), so only a malformed one counts as an error.
                    if (!_options.InternalPeer)
                    {
                        if (value.Length != 4 || (flags & FlagMask) != WellKnown)
                        {
                            Report(type, Discard, UpdateErrorSubcode.AttributeLengthError, "malformed LOCAL_PREF from an external peer discarded");
                        }
                    }
                    else if (CheckFlags(flags, type, WellKnown, Withdraw))
                    {
                        _localPref = ReadUInt32(type, value, Withdraw);
                    }

                    break;

                case AttributeType.OriginatorId:
                    // RFC 7606 §7.9 (RFC 4456): Beacon reflects nothing, so the value is only checked.
                    CheckReflectionAttribute(flags, type, value.Length != 4, "ORIGINATOR_ID length is not 4");
                    break;

                case AttributeType.ClusterList:
                    // RFC 7606 §7.10.
                    CheckReflectionAttribute(flags, type, value.Length == 0 || value.Length % 4 != 0, "CLUSTER_LIST length is not a non-zero multiple of 4");
                    break;

                case AttributeType.Ipv6ExtendedCommunities:
                    // RFC 7606 §7.15 (RFC 5701): kept as an opaque transitive attribute.
                    if (CheckFlags(flags, type, OptionalTransitive, Withdraw))
                    {
                        if (value.Length == 0 || value.Length % 20 != 0)
                        {
                            Report(type, Withdraw, UpdateErrorSubcode.OptionalAttributeError, "IPv6 Address Specific Extended Community length is not a non-zero multiple of 20");
                        }
                        else
                        {
                            (_unknown ??= []).Add(new UnknownAttribute(flags, type, value.ToArray()));
                        }
                    }

                    break;

                case AttributeType.AtomicAggregate:
                    // RFC 7606 §7.6.
                    if (CheckFlags(flags, type, WellKnown, Discard))
                    {
                        if (value.Length == 0)
                        {
                            _atomicAggregate = true;
                        }
                        else
                        {
                            Report(type, Discard, UpdateErrorSubcode.AttributeLengthError, "ATOMIC_AGGREGATE length is not 0");
                        }
                    }

                    break;

                case AttributeType.Aggregator:
                    // RFC 7606 §7.7.
                    if (CheckFlags(flags, type, OptionalTransitive, Discard))
                    {
                        _aggregator = ReadAggregator(type, value, _options.FourOctetAs ? 4 : 2);
                    }

                    break;

                case AttributeType.Communities:
                    // RFC 7606 §7.8.
                    if (CheckFlags(flags, type, OptionalTransitive, Withdraw))
                    {
                        if (value.Length == 0 || value.Length % 4 != 0)
                        {
                            Report(type, Withdraw, UpdateErrorSubcode.OptionalAttributeError, "COMMUNITIES length is not a non-zero multiple of 4");
                        }
                        else
                        {
                            var items = new uint[value.Length / 4];
                            for (var i = 0; i < items.Length; i++)
                            {
                                items[i] = BinaryPrimitives.ReadUInt32BigEndian(value[(4 * i)..]);
                            }

                            _communities = ImmutableCollectionsMarshal.AsImmutableArray(items);
                        }
                    }

                    break;

                case AttributeType.ExtendedCommunities:
                    // RFC 7606 §7.14.
                    if (CheckFlags(flags, type, OptionalTransitive, Withdraw))
                    {
                        if (value.Length == 0 || value.Length % 8 != 0)
                        {
                            Report(type, Withdraw, UpdateErrorSubcode.OptionalAttributeError, "EXTENDED_COMMUNITIES length is not a non-zero multiple of 8");
                        }
                        else
                        {
                            var items = new ulong[value.Length / 8];
                            for (var i = 0; i < items.Length; i++)
                            {
                                items[i] = BinaryPrimitives.ReadUInt64BigEndian(value[(8 * i)..]);
                            }

                            _extendedCommunities = ImmutableCollectionsMarshal.AsImmutableArray(items);
                        }
                    }

                    break;

                case AttributeType.LargeCommunities:
                    // RFC 8092 §6.
                    if (CheckFlags(flags, type, OptionalTransitive, Withdraw))
                    {
                        if (value.Length == 0 || value.Length % 12 != 0)
                        {
                            Report(type, Withdraw, UpdateErrorSubcode.OptionalAttributeError, "LARGE_COMMUNITY length is not a non-zero multiple of 12");
                        }
                        else
                        {
                            var items = new LargeCommunity[value.Length / 12];
                            for (var i = 0; i < items.Length; i++)
                            {
                                var c = value.Slice(12 * i, 12);
                                items[i] = new LargeCommunity(
                                    BinaryPrimitives.ReadUInt32BigEndian(c), BinaryPrimitives.ReadUInt32BigEndian(c[4..]), BinaryPrimitives.ReadUInt32BigEndian(c[8..]));
                            }

                            _largeCommunities = ImmutableCollectionsMarshal.AsImmutableArray(items);
                        }
                    }

                    break;

                case AttributeType.As4Path:
                    // RFC 6793 §3 and §6: ignored between NEW speakers; malformed is attribute discard.
                    if (!_options.FourOctetAs && CheckFlags(flags, type, OptionalTransitive, Discard))
                    {
                        if (TryReadAsPath(value, 4, allowConfederation: false, out var path))
                        {
                            _as4Path = path;
                        }
                        else
                        {
                            Report(type, Discard, UpdateErrorSubcode.OptionalAttributeError, "malformed AS4_PATH");
                        }
                    }

                    break;

                case AttributeType.As4Aggregator:
                    if (!_options.FourOctetAs && CheckFlags(flags, type, OptionalTransitive, Discard))
                    {
                        _as4Aggregator = ReadAggregator(type, value, 4);
                    }

                    break;

                case AttributeType.MpReachNlri:
                    ReadMpReach(flags, value, whole);
                    break;

                case AttributeType.MpUnreachNlri:
                    ReadMpUnreach(flags, value, whole);
                    break;

                default:
                    ReadUnknown(flags, type, value, whole);
                    break;
            }
        }

        // ORIGINATOR_ID and CLUSTER_LIST: discarded from an external peer; from an internal one a
        // malformed value is treat-as-withdraw (RFC 7606 §7.9, §7.10).
        private void CheckReflectionAttribute(byte flags, byte type, bool badLength, string reason)
        {
            if (!_options.InternalPeer)
            {
                Report(type, UpdateErrorAction.AttributeDiscard, UpdateErrorSubcode.OptionalAttributeError, $"attribute {type} from an external peer discarded");
            }
            else if (CheckFlags(flags, type, OptionalNonTransitive, UpdateErrorAction.TreatAsWithdraw) && badLength)
            {
                Report(type, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.OptionalAttributeError, reason);
            }
        }

        private uint? ReadUInt32(byte type, ReadOnlySpan<byte> value, UpdateErrorAction onError)
        {
            if (value.Length != 4)
            {
                Report(type, onError, UpdateErrorSubcode.AttributeLengthError, $"attribute {type} length is not 4");
                return null;
            }

            return BinaryPrimitives.ReadUInt32BigEndian(value);
        }

        private Aggregator? ReadAggregator(byte type, ReadOnlySpan<byte> value, int asnSize)
        {
            if (value.Length != asnSize + 4)
            {
                Report(type, UpdateErrorAction.AttributeDiscard, UpdateErrorSubcode.AttributeLengthError, $"attribute {type} length is not {asnSize + 4}");
                return null;
            }

            var asn = asnSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt16BigEndian(value);
            return new Aggregator(asn, new IPAddress(value[asnSize..]));
        }

        private static bool IsValidIpv4Host(ReadOnlySpan<byte> address) =>
            address[0] != 0 && address[0] < 224;

        private static bool TryReadAsPath(ReadOnlySpan<byte> value, int asnSize, bool allowConfederation, out ImmutableArray<AsPathSegment> path)
        {
            path = default;
            var count = 0;
            for (var probe = value; !probe.IsEmpty; count++)
            {
                // Segment: type (1), number of ASes (1), ASes; RFC 7606 §7.2 lists what is malformed.
                if (probe.Length < 2 || probe[1] == 0 || probe.Length - 2 < probe[1] * asnSize)
                {
                    return false;
                }

                var segmentType = probe[0];
                if (segmentType is < (byte)AsPathSegmentType.AsSet or > (byte)AsPathSegmentType.ConfedSet
                    || (!allowConfederation && segmentType >= (byte)AsPathSegmentType.ConfedSequence))
                {
                    return false;
                }

                probe = probe[(2 + (probe[1] * asnSize))..];
            }

            var segments = new AsPathSegment[count];
            for (var s = 0; s < segments.Length; s++)
            {
                var asns = new uint[value[1]];
                for (var i = 0; i < asns.Length; i++)
                {
                    var at = value[(2 + (i * asnSize))..];
                    asns[i] = asnSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(at) : BinaryPrimitives.ReadUInt16BigEndian(at);
                }

                segments[s] = new AsPathSegment((AsPathSegmentType)value[0], ImmutableCollectionsMarshal.AsImmutableArray(asns));
                value = value[(2 + (asns.Length * asnSize))..];
            }

            path = ImmutableCollectionsMarshal.AsImmutableArray(segments);
            return true;
        }

        private void ReadUnknown(byte flags, byte type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            if ((flags & UnknownAttribute.OptionalFlag) == 0)
            {
                // RFC 4271 §6.3: data is the unrecognized attribute (type, length, value).
                throw BgpProtocolException.WithData(
                    ErrorCode.UpdateMessage, UpdateErrorSubcode.UnrecognizedWellKnownAttribute, whole, $"unrecognized well-known attribute {type}");
            }

            // RFC 4271 §5: unrecognized optional non-transitive attributes are quietly ignored;
            // transitive ones are passed on with the Partial bit set.
            if ((flags & UnknownAttribute.TransitiveFlag) != 0)
            {
                (_unknown ??= []).Add(new UnknownAttribute((byte)(flags | UnknownAttribute.PartialFlag), type, value.ToArray()));
            }
        }

        private void ReadMpReach(byte flags, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            // RFC 4760 §3:
            // +---------------------------------------------------------+
            // | AFI (2) | SAFI (1) | Next Hop Length (1) | Next Hop      |
            // | Reserved (1) | NLRI (variable)                          |
            // +---------------------------------------------------------+
            // A malformed header hides the NLRI, so RFC 7606 §7.11 leaves only session reset.
            if ((flags & FlagMask) != OptionalNonTransitive)
            {
                throw MpError(UpdateErrorSubcode.AttributeFlagsError, whole, "MP_REACH_NLRI flags");
            }

            if (value.Length < 5 || value[3] > value.Length - 5)
            {
                throw MpError(UpdateErrorSubcode.OptionalAttributeError, whole, "MP_REACH_NLRI next hop overruns the attribute");
            }

            var afi = BinaryPrimitives.ReadUInt16BigEndian(value);
            var safi = value[2];
            var nextHop = value.Slice(4, value[3]);
            var nlri = value[(5 + nextHop.Length)..];
            var family = AfiSafi.FromWire(afi, safi);
            if (family is null)
            {
                // RFC 4760 §7 / RFC 7606 §7.11: not the session's problem; the routes are ignored.
                Report(AttributeType.MpReachNlri, UpdateErrorAction.None, 0, $"MP_REACH_NLRI for unsupported AFI {afi} SAFI {safi} ignored");
                return;
            }

            switch (nextHop.Length)
            {
                case 4 when family == RouteFamily.Ipv4Unicast:
                    _mpNextHop = new IPAddress(nextHop);
                    break;

                // RFC 2545 §3 (and RFC 8950 for IPv4 NLRI): global, optionally followed by link-local.
                // An IPv6 next hop for IPv4 NLRI we did not agree to is an inconsistent next-hop
                // length (RFC 8950 §4, RFC 7606 §7.11) and falls to the default below.
                case 16 when family == RouteFamily.Ipv6Unicast || _options.Ipv6NextHopForIpv4:
                    _mpNextHop = new IPAddress(nextHop);
                    break;
                case 32 when family == RouteFamily.Ipv6Unicast || _options.Ipv6NextHopForIpv4:
                    _mpNextHop = new IPAddress(nextHop[..16]);
                    _linkLocalNextHop = new IPAddress(nextHop[16..]);
                    break;
                default:
                    throw MpError(UpdateErrorSubcode.OptionalAttributeError, whole, $"MP_REACH_NLRI next hop length {nextHop.Length} is invalid for AFI {afi}");
            }

            var before = _announced.Count;
            Prefixes.Read(nlri, family == RouteFamily.Ipv6Unicast, _announced);
            _mpReachNlriPresent = _announced.Count > before;
        }

        private void ReadMpUnreach(byte flags, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            // RFC 4760 §4: AFI (2), SAFI (1), withdrawn routes.
            if ((flags & FlagMask) != OptionalNonTransitive)
            {
                throw MpError(UpdateErrorSubcode.AttributeFlagsError, whole, "MP_UNREACH_NLRI flags");
            }

            if (value.Length < 3)
            {
                throw MpError(UpdateErrorSubcode.OptionalAttributeError, whole, "MP_UNREACH_NLRI shorter than AFI and SAFI");
            }

            var afi = BinaryPrimitives.ReadUInt16BigEndian(value);
            var safi = value[2];
            var family = AfiSafi.FromWire(afi, safi);
            if (family is null)
            {
                Report(AttributeType.MpUnreachNlri, UpdateErrorAction.None, 0, $"MP_UNREACH_NLRI for unsupported AFI {afi} SAFI {safi} ignored");
                return;
            }

            _mpUnreachFamily = family;
            _mpUnreachEmpty = value.Length == 3;
            Prefixes.Read(value[3..], family == RouteFamily.Ipv6Unicast, _withdrawn);
        }

        private static BgpProtocolException MpError(byte subcode, ReadOnlySpan<byte> whole, string message) =>
            BgpProtocolException.WithData(ErrorCode.UpdateMessage, subcode, whole, message);

        public UpdateMessage Finish(bool ipv4NlriPresent, bool noIpv4Routes)
        {
            // RFC 4724 §2: an UPDATE holding only an empty MP_UNREACH_NLRI is that family's End-of-RIB.
            if (_onlyMpUnreach && noIpv4Routes && _mpUnreachEmpty && _mpUnreachFamily is { } eorFamily && _withdrawn.Count == 0)
            {
                return new UpdateMessage([], [], null, UpdateErrorAction.None, eorFamily, Diagnostics());
            }

            if (ipv4NlriPresent || _mpReachNlriPresent)
            {
                // RFC 7606 §3.d; NEXT_HOP only when there is IPv4 NLRI (RFC 4760 §3).
                CheckMandatory(_origin is not null, AttributeType.Origin);
                CheckMandatory(_asPath is not null, AttributeType.AsPath);
                if (ipv4NlriPresent)
                {
                    CheckMandatory(_nextHop is not null, AttributeType.NextHop);
                }

                if (_options.InternalPeer)
                {
                    CheckMandatory(_localPref is not null || Seen(AttributeType.LocalPref), AttributeType.LocalPref);
                }
            }

            if (ipv4NlriPresent || _mpReachNlriPresent)
            {
                CheckLeftmostAs();
            }

            // RFC 7606 §5.2: an UPDATE with attributes but no reachable NLRI (no NLRI field and no
            // MP_REACH_NLRI) cannot be shown to have been parsed right, so anything stronger than
            // attribute discard resets the session. An MP_UNREACH_NLRI alone is fine (§5.2).
            if (_action == UpdateErrorAction.TreatAsWithdraw && !ipv4NlriPresent && !Seen(AttributeType.MpReachNlri))
            {
                var first = _diagnostics!.First(d => d.Action == UpdateErrorAction.TreatAsWithdraw);
                throw new BgpProtocolException(
                    ErrorCode.UpdateMessage, first.Subcode, $"{first.Reason} in an UPDATE without NLRI (RFC 7606 §5.2)");
            }

            if (_action == UpdateErrorAction.TreatAsWithdraw)
            {
                _withdrawn.AddRange(_announced);
                return new UpdateMessage(_withdrawn.DrainToImmutable(), [], null, _action, null, Diagnostics());
            }

            var attributes = new PathAttributes
            {
                Origin = _origin ?? Origin.Igp,
                AsPath = ReconcileAsPath(),
                NextHop = ipv4NlriPresent || _mpNextHop is null ? _nextHop : _mpNextHop,
                LinkLocalNextHop = _linkLocalNextHop,
                Med = _med,
                LocalPreference = _localPref,
                AtomicAggregate = _atomicAggregate,
                Aggregator = _aggregator,
                Communities = _communities,
                ExtendedCommunities = _extendedCommunities,
                LargeCommunities = _largeCommunities,
                UnknownAttributes = _unknown is null ? [] : [.. _unknown],
            };

            return new UpdateMessage(_withdrawn.DrainToImmutable(), _announced.DrainToImmutable(), attributes, _action, null, Diagnostics());
        }

        /// <summary>
        /// RFC 4271 §6.3 (MAY): from an external peer the leftmost AS must be the peer's; RFC 7606
        /// §7.2 makes a mismatch treat-as-withdraw. On a 2-octet session a 4-octet peer AS shows as AS_TRANS.
        /// </summary>
        private void CheckLeftmostAs()
        {
            if (_options.InternalPeer || _options.PeerAsn == 0 || _asPath is not { Length: > 0 } path || path[0].Type != AsPathSegmentType.AsSequence)
            {
                return;
            }

            var leftmost = path[0].Asns[0];
            var expected = _options.FourOctetAs || _options.PeerAsn <= ushort.MaxValue ? _options.PeerAsn : OpenMessage.AsTrans;
            if (leftmost != expected)
            {
                Report(AttributeType.AsPath, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.MalformedAsPath, $"leftmost AS {leftmost} is not the peer's AS {_options.PeerAsn}");
            }
        }

        private readonly bool Seen(byte type)
        {
            return (_seen[type >> 6] & (1UL << (type & 63))) != 0;
        }

        private void CheckMandatory(bool present, byte type)
        {
            if (!present)
            {
                Report(type, UpdateErrorAction.TreatAsWithdraw, UpdateErrorSubcode.MissingWellKnownAttribute, $"missing well-known attribute {type}");
            }
        }

        private readonly ImmutableArray<UpdateDiagnostic> Diagnostics() => _diagnostics is null ? [] : [.. _diagnostics];

        /// <summary>
        /// RFC 6793 §4.2.3: on a 2-octet session rebuild the true path from AS_PATH and AS4_PATH
        /// (and the aggregator from AGGREGATOR and AS4_AGGREGATOR).
        /// </summary>
        private ImmutableArray<AsPathSegment> ReconcileAsPath()
        {
            var asPath = _asPath ?? [];
            if (_options.FourOctetAs)
            {
                return asPath;
            }

            if (_aggregator is not null && _aggregator.Asn != OpenMessage.AsTrans)
            {
                // The aggregating speaker was OLD, so AS4 information is stale: ignore both.
                return asPath;
            }

            if (_as4Aggregator is not null && _aggregator is not null)
            {
                _aggregator = _as4Aggregator;
            }

            if (_as4Path is not { } as4Path)
            {
                return asPath;
            }

            var as4Length = 0;
            foreach (var segment in as4Path)
            {
                as4Length += segment.PathLength;
            }

            var asLength = 0;
            foreach (var segment in asPath)
            {
                asLength += segment.PathLength;
            }

            if (asLength < as4Length)
            {
                Report(AttributeType.As4Path, UpdateErrorAction.None, 0, "AS4_PATH longer than AS_PATH ignored");
                return asPath;
            }

            // Keep the leading ASes the AS4-unaware speakers added (and any confederation
            // segments), then the AS4_PATH.
            var needed = asLength - as4Length;
            var result = ImmutableArray.CreateBuilder<AsPathSegment>(asPath.Length + as4Path.Length);
            foreach (var segment in asPath)
            {
                if (segment.PathLength == 0)
                {
                    result.Add(segment);
                }
                else if (needed > 0 && segment.Type == AsPathSegmentType.AsSet)
                {
                    result.Add(segment);
                    needed--;
                }
                else if (needed > 0)
                {
                    var take = Math.Min(needed, segment.Asns.Length);
                    result.Add(new AsPathSegment(segment.Type, segment.Asns[..take]));
                    needed -= take;
                }
            }

            result.AddRange(as4Path);
            return result.DrainToImmutable();
        }
    }

    /// <summary>256 bits, one per attribute type code.</summary>
    [InlineArray(4)]
    private struct SeenTypes
    {
        private ulong _element;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Beacon.Bgp.Wire;

/// <summary>
/// OPEN (RFC 4271 §4.2) with capabilities (RFC 5492) and extended optional parameters (RFC 9072).
/// </summary>
/// <remarks>
/// <code>
/// +-------+---------------+---------------+-------------------------------+
/// |Version|  My AS (16)   | Hold Time (16)|     BGP Identifier (32)       |
/// +-------+---------------+---------------+-------------------------------+
/// |OptLen | Optional Parameters (Type, Length, Value)...                  |
/// +-------+---------------------------------------------------------------+
/// RFC 9072: OptLen = 255, then Type = 255, then a 16-bit length, and each
/// parameter has a 16-bit length.
/// </code>
/// </remarks>
public sealed record OpenMessage(byte Version, ushort MyAutonomousSystem, ushort HoldTime, uint BgpIdentifier, ImmutableArray<Capability> Capabilities)
{
    public const byte BgpVersion = 4;

    /// <summary>RFC 6793 §9: the 2-octet placeholder for a 4-octet AS.</summary>
    public const ushort AsTrans = 23456;

    private const byte CapabilitiesParameter = 2;
    private const byte ExtendedLengthMarker = 255;
    private const int FixedSize = 10;

    public bool Equals(OpenMessage? other) =>
        other is not null
        && Version == other.Version
        && MyAutonomousSystem == other.MyAutonomousSystem
        && HoldTime == other.HoldTime
        && BgpIdentifier == other.BgpIdentifier
        && Capabilities.AsSpan().SequenceEqual(other.Capabilities.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Version, MyAutonomousSystem, HoldTime, BgpIdentifier, Capabilities.Length);

    /// <summary>The AS the peer really has: the 4-octet capability's if present (RFC 6793 §4.1).</summary>
    public uint EffectiveAutonomousSystem => FindCapability<FourOctetAsCapability>()?.Asn ?? MyAutonomousSystem;

    public T? FindCapability<T>()
        where T : Capability
    {
        foreach (var c in Capabilities)
        {
            if (c is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>Reads a body that may span several buffer segments.</summary>
    public static OpenMessage Read(in ReadOnlySequence<byte> body) => BgpFraming.ReadBody(body, Read);

    /// <summary>Parses an OPEN body (after the header) and applies the checks of RFC 4271 §6.2 that need no configuration.</summary>
    public static OpenMessage Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < FixedSize)
        {
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)(body.Length + BgpFraming.HeaderSize));
            throw BgpProtocolException.WithData(ErrorCode.MessageHeader, HeaderErrorSubcode.BadMessageLength, len, "OPEN too short");
        }

        var version = body[0];
        if (version != BgpVersion)
        {
            // RFC 4271 §6.2: data is the largest locally supported version, as 2 octets.
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.UnsupportedVersionNumber, new byte[] { 0, BgpVersion }, $"unsupported BGP version {version}");
        }

        var myAs = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
        var holdTime = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        var identifier = BinaryPrimitives.ReadUInt32BigEndian(body[5..]);
        if (holdTime is 1 or 2)
        {
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.UnacceptableHoldTime, $"unacceptable hold time {holdTime}");
        }

        if (identifier == 0)
        {
            // RFC 6286 §2.2 allows any non-zero value; zero stays invalid.
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.BadBgpIdentifier, "BGP identifier is zero");
        }

        var capabilities = ImmutableArray.CreateBuilder<Capability>();
        int optLength = body[9];
        var rest = body[FixedSize..];
        var extended = false;

        // RFC 9072 §2: a non-extended parameter of type 255 cannot exist, so OptLen 255
        // followed by type 255 marks the extended encoding.
        if (optLength == ExtendedLengthMarker && rest.Length >= 1 && rest[0] == ExtendedLengthMarker)
        {
            if (rest.Length < 3)
            {
                throw Malformed("extended optional parameters length truncated");
            }

            extended = true;
            optLength = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
            rest = rest[3..];
        }

        if (optLength != rest.Length)
        {
            throw Malformed($"optional parameters length {optLength} does not match the {rest.Length} octets present");
        }

        var headerSize = extended ? 3 : 2;
        while (!rest.IsEmpty)
        {
            if (rest.Length < headerSize)
            {
                throw Malformed("optional parameter header truncated");
            }

            var type = rest[0];
            int length = extended ? BinaryPrimitives.ReadUInt16BigEndian(rest[1..]) : rest[1];
            if (rest.Length - headerSize < length)
            {
                throw Malformed("optional parameter overruns the parameters");
            }

            var value = rest.Slice(headerSize, length);
            rest = rest[(headerSize + length)..];
            if (type != CapabilitiesParameter)
            {
                throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.UnsupportedOptionalParameter, $"unsupported optional parameter {type}");
            }

            // RFC 5492 §4: one parameter may hold several capabilities.
            while (!value.IsEmpty)
            {
                if (value.Length < 2 || value.Length - 2 < value[1])
                {
                    throw Malformed("capability overruns its parameter");
                }

                capabilities.Add(Capability.Read(value[0], value.Slice(2, value[1])));
                value = value[(2 + value[1])..];
            }
        }

        return new OpenMessage(version, myAs, holdTime, identifier, capabilities.DrainToImmutable());
    }

    private static BgpProtocolException Malformed(string message) =>
        new(ErrorCode.OpenMessage, OpenErrorSubcode.Unspecific, message);

    private int CapabilitiesLength()
    {
        var total = 0;
        foreach (var c in Capabilities)
        {
            if (c.ValueLength > byte.MaxValue)
            {
                throw new InvalidOperationException($"capability {c.Code} is longer than 255 octets");
            }

            total += 2 + c.ValueLength;
        }

        return total;
    }

    /// <summary>Size of the whole message including the header.</summary>
    public int Size
    {
        get
        {
            var caps = CapabilitiesLength();
            return BgpFraming.HeaderSize + FixedSize + OptionalParametersSize(caps);
        }
    }

    private static int OptionalParametersSize(int caps) =>
        caps == 0 ? 0 : caps + 2 <= byte.MaxValue ? caps + 2 : 3 + caps + 3;

    public void Write(Span<byte> destination)
    {
        var caps = CapabilitiesLength();
        var parameters = OptionalParametersSize(caps);
        var size = BgpFraming.HeaderSize + FixedSize + parameters;
        BgpFraming.WriteHeader(destination, size, MessageType.Open);
        var body = destination.Slice(BgpFraming.HeaderSize, size - BgpFraming.HeaderSize);
        body[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(body[1..], MyAutonomousSystem);
        BinaryPrimitives.WriteUInt16BigEndian(body[3..], HoldTime);
        BinaryPrimitives.WriteUInt32BigEndian(body[5..], BgpIdentifier);
        var p = body[FixedSize..];
        if (caps == 0)
        {
            body[9] = 0;
            return;
        }

        if (caps + 2 <= byte.MaxValue)
        {
            body[9] = (byte)(caps + 2);
            p[0] = CapabilitiesParameter;
            p[1] = (byte)caps;
            p = p[2..];
        }
        else
        {
            // RFC 9072 §2, only when the parameters do not fit in 255 octets.
            body[9] = ExtendedLengthMarker;
            p[0] = ExtendedLengthMarker;
            BinaryPrimitives.WriteUInt16BigEndian(p[1..], checked((ushort)(caps + 3)));
            p[3] = CapabilitiesParameter;
            BinaryPrimitives.WriteUInt16BigEndian(p[4..], checked((ushort)caps));
            p = p[6..];
        }

        foreach (var c in Capabilities)
        {
            p[0] = c.Code;
            p[1] = (byte)c.ValueLength;
            c.WriteValue(p.Slice(2, c.ValueLength));
            p = p[(2 + c.ValueLength)..];
        }
    }

    public void Write(IBufferWriter<byte> output)
    {
        var size = Size;
        Write(output.GetSpan(size));
        output.Advance(size);
    }
}

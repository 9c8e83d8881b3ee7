using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using CsCheck;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>
/// Damaged input either decodes or throws <see cref="BgpProtocolException"/>; nothing else
/// (no IndexOutOfRangeException, no ArgumentException) may escape a decoder.
/// </summary>
public sealed class RobustnessTests
{
    private static readonly byte[][] Seeds = BuildSeeds();

    private static byte[][] BuildSeeds()
    {
        var seeds = FrrVectors.All.Select(v => Hex.Body(Hex.Bytes(v))).ToList();
        var attributes = Generators.Attributes(ipv6: true, fourOctetAs: false).Single();
        var prefixes = Generators.Ipv6Prefix.Array[3].Single();
        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv6Unicast, attributes, prefixes, new UpdateEncodeOptions(false)));
        seeds.AddRange(Hex.Split(written).Select(m => m.Body));
        return [.. seeds];
    }

    private static readonly Gen<byte[]> Damaged =
        from seed in Gen.OneOfConst(Seeds)
        from edits in Gen.Select(Gen.Int[0, 1000], Gen.Byte).Array[1, 4]
        from cut in Gen.Int[0, 400]
        select Damage(seed, edits, cut);

    private static byte[] Damage(byte[] seed, (int At, byte Value)[] edits, int cut)
    {
        var copy = (byte[])seed.Clone();
        foreach (var (at, value) in edits)
        {
            if (copy.Length > 0)
            {
                copy[at % copy.Length] = value;
            }
        }

        return copy.Length > cut ? copy[..^(cut % (copy.Length + 1))] : copy;
    }

    private static void OnlyProtocolErrors(Action decode)
    {
        try
        {
            decode();
        }
        catch (BgpProtocolException)
        {
        }
    }

    [Fact]
    public void Update_decoder_only_throws_protocol_errors()
    {
        Damaged.Sample(body =>
        {
            OnlyProtocolErrors(() => UpdateMessage.Read(body, new UpdateDecodeOptions(false)));
            OnlyProtocolErrors(() => UpdateMessage.Read(body, new UpdateDecodeOptions(true, InternalPeer: true)));
        }, iter: 20000);
    }

    [Fact]
    public void Other_decoders_only_throw_protocol_errors()
    {
        Damaged.Sample(body =>
        {
            OnlyProtocolErrors(() => OpenMessage.Read(body));
            OnlyProtocolErrors(() => NotificationMessage.Read(body).TryGetShutdownCommunication(out _));
            OnlyProtocolErrors(() => RouteRefreshMessage.Read(body));
            var message = Hex.Message(MessageType.Update, body);
            message[18] = body.Length > 0 ? body[0] : (byte)0;
            OnlyProtocolErrors(() => BgpFraming.TryReadMessage(message, BgpFraming.MaxMessageSize, out _, out _));
        }, iter: 20000);
    }
}

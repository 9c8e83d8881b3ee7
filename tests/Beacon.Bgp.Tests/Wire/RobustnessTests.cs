using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using Beacon.Fuzz;
using CsCheck;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>
/// Damaged input either decodes or throws <see cref="BgpProtocolException"/>; nothing else
/// (no IndexOutOfRangeException, no ArgumentException) may escape a decoder.
/// </summary>
/// <remarks>
/// The mutation passes run the AFL++ targets of fuzz/Beacon.Fuzz (docs/fuzzing.md) over mutated
/// real messages, bounded in iterations so CI spends a few seconds; a failure prints the mutation
/// seed and the input in hex, which is all <see cref="Mutation.Apply"/> needs to replay it.
/// </remarks>
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

    private static readonly byte[][] Messages = BuildMessages();

    private static byte[][] BuildMessages()
    {
        var messages = FrrVectors.All.Select(Hex.Bytes).ToList();
        var attributes = Generators.Attributes(ipv6: true, fourOctetAs: true).Single();
        var prefixes = Generators.Ipv6Prefix.Array[3].Single();
        messages.Add(Hex.Write(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv6Unicast, attributes, prefixes, new UpdateEncodeOptions(true))));
        messages.Add([.. messages.SelectMany(static m => m)]);
        return [.. messages];
    }

    private static readonly Gen<Mutation> Mutations =
        from message in Gen.Int[0, Messages.Length - 1]
        from other in Gen.Int[0, Messages.Length - 1]
        from seed in Gen.Int
        from flags in Gen.Byte
        from chunks in Gen.Byte.Array[3]
        select new Mutation(message, other, seed, flags, chunks);

    [Fact]
    public void Mutated_messages_only_fail_as_protocol_errors_in_the_decoder_target()
    {
        Mutations.Sample(
            mutation => DecoderTarget.Run([mutation.Flags, .. mutation.Apply(Messages)]),
            iter: 50000,
            print: mutation => mutation.Describe(Messages));
    }

    [Fact]
    public void Mutated_streams_fed_in_small_chunks_end_the_read_path_cleanly()
    {
        Mutations.Sample(
            mutation => ReadPathTarget.Run([mutation.Flags, .. mutation.Chunks, .. mutation.Apply(Messages)]),
            iter: 10000,
            print: mutation => mutation.Describe(Messages));
    }

    [Fact]
    public void Every_mutation_kind_changes_the_message()
    {
        var message = Hex.Bytes(FrrVectors.UpdateIpv4);
        for (var kind = 0; kind < Mutation.Kinds; kind++)
        {
            var mutated = Mutation.ApplyOne(kind, message, Hex.Bytes(FrrVectors.Open), new Random(kind));
            Assert.False(mutated.AsSpan().SequenceEqual(message), $"mutation kind {kind} left the message unchanged");
        }
    }

    /// <summary>One to four random edits of a real message, drawn from <paramref name="Seed"/>.</summary>
    internal sealed record Mutation(int Message, int Other, int Seed, byte Flags, byte[] Chunks)
    {
        public const int Kinds = 6;

        public byte[] Apply(byte[][] messages)
        {
            var random = new Random(Seed);
            var bytes = messages[Message];
            for (var edits = random.Next(1, 5); edits > 0; edits--)
            {
                bytes = ApplyOne(random.Next(Kinds), bytes, messages[Other], random);
            }

            return bytes;
        }

        public string Describe(byte[][] messages) =>
            $"mutation seed {Seed} of message {Message} (splice partner {Other}), flags 0x{Flags:x2}, chunk bytes {Hex.Of(Chunks)}, input {Hex.Of(Apply(messages))}";

        public static byte[] ApplyOne(int kind, byte[] message, byte[] other, Random random)
        {
            if (message.Length == 0)
            {
                return (byte[])other.Clone();
            }

            var copy = (byte[])message.Clone();
            var at = random.Next(copy.Length);
            switch (kind)
            {
                case 0: // bit flip
                    copy[at] ^= (byte)(1 << random.Next(8));
                    return copy;

                case 1: // truncation
                    return copy[..at];

                case 2: // a one- or two-octet length field off by a little, or set to an edge value
                    var wide = at + 1 < copy.Length && random.Next(2) == 0;
                    var old = wide ? (copy[at] << 8) | copy[at + 1] : copy[at];
                    var value = random.Next(2) == 0 ? old + (random.Next(-3, 4) | 1) : EdgeValues[random.Next(EdgeValues.Length)];
                    value = value == old ? old ^ 1 : value;
                    if (wide)
                    {
                        copy[at] = (byte)(value >> 8);
                        copy[at + 1] = (byte)value;
                    }
                    else
                    {
                        copy[at] = (byte)value;
                    }

                    return copy;

                case 3: // the header's length field, the one every reader trusts first
                    if (copy.Length < BgpFraming.HeaderSize)
                    {
                        copy[at] ^= 0xFF;
                        return copy;
                    }

                    var length = ((copy[16] << 8) | copy[17]) + (random.Next(1, 5) * (random.Next(2) == 0 ? -1 : 1));
                    copy[16] = (byte)(length >> 8);
                    copy[17] = (byte)length;
                    return copy;

                case 4: // splice: the front of this message, the back of another
                    var from = random.Next(other.Length);
                    return [.. copy.AsSpan(0, at), .. other.AsSpan(from)];

                default: // insert or delete a run of octets
                    var run = random.Next(1, 9);
                    return random.Next(2) == 0
                        ? [.. copy.AsSpan(0, at), .. Enumerable.Repeat((byte)random.Next(256), run), .. copy.AsSpan(at)]
                        : [.. copy.AsSpan(0, at), .. copy.AsSpan(Math.Min(copy.Length, at + run))];
            }
        }

        private static readonly int[] EdgeValues = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x0FFF, 0x1000, 0x1001, 0xFFFF];
    }
}

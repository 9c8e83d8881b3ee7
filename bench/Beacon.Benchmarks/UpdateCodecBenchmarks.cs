using System.Buffers;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using BenchmarkDotNet.Attributes;

namespace Beacon.Benchmarks;

/// <summary>
/// UPDATE encode and decode throughput. Each operation handles <see cref="PrefixCount"/>
/// prefixes (OperationsPerInvoke), so the reported time is per prefix and its inverse is
/// prefixes per second.
/// </summary>
[MemoryDiagnoser]
public class UpdateCodecBenchmarks
{
    public const int PrefixCount = 10_000;

    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private readonly List<byte[]> _bodies = [];
    private IPNetwork[] _prefixes = [];
    private PathAttributes _attributes = new();
    private UpdateDecodeOptions _decodeOptions;
    private UpdateEncodeOptions _encodeOptions;

    [Params(RouteFamily.Ipv4Unicast, RouteFamily.Ipv6Unicast)]
    public RouteFamily Family { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var ipv4 = Family == RouteFamily.Ipv4Unicast;
        _prefixes = [.. Enumerable.Range(0, PrefixCount).Select(i => ipv4
            ? new IPNetwork(new IPAddress(new byte[] { 10, (byte)(i >> 8), (byte)i, 0 }), 24)
            : new IPNetwork(IPAddress.Parse($"2001:db8:{i:x}::"), 48))];
        _attributes = new PathAttributes
        {
            Origin = Origin.Igp,
            AsPath = [AsPathSegment.Sequence(65002, 64512)],
            NextHop = ipv4 ? IPAddress.Parse("198.51.100.2") : IPAddress.Parse("2001:db8:100::2"),
            Med = 10,
            Communities = [0xFDEA0064, 0xFDEA00C8],
            LargeCommunities = [new LargeCommunity(65002, 1, 2)],
        };
        _decodeOptions = new UpdateDecodeOptions(FourOctetAs: true);
        _encodeOptions = new UpdateEncodeOptions(FourOctetAs: true);

        UpdateWriter.WriteAnnouncements(_output, Family, _attributes, _prefixes, _encodeOptions);
        var stream = _output.WrittenSpan;
        while (BgpFraming.TryReadMessage(stream, BgpFraming.MaxMessageSize, out _, out var consumed))
        {
            _bodies.Add(stream[BgpFraming.HeaderSize..consumed].ToArray());
            stream = stream[consumed..];
        }
    }

    [Benchmark(OperationsPerInvoke = PrefixCount)]
    public int Encode()
    {
        _output.ResetWrittenCount();
        return UpdateWriter.WriteAnnouncements(_output, Family, _attributes, _prefixes, _encodeOptions);
    }

    [Benchmark(OperationsPerInvoke = PrefixCount)]
    public int Decode()
    {
        var total = 0;
        foreach (var body in _bodies)
        {
            total += UpdateMessage.Read(body, _decodeOptions).Announced.Length;
        }

        return total;
    }
}

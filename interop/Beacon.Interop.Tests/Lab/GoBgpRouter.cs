using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Beacon.Interop.Tests.Lab;

public sealed record GoBgpNeighborConfig(IPAddress Address, uint PeerAs)
{
    /// <summary>Families to enable; by default the family of <see cref="Address"/>.</summary>
    public IReadOnlyList<AddressFamily>? Families { get; init; }

    public bool Passive { get; init; }

    /// <summary>TCP MD5 password (RFC 2385): <c>auth-password</c>.</summary>
    public string? AuthPassword { get; init; }

    /// <summary>GTSM (RFC 5082) for a directly connected peer: <c>ttl-security</c>, <c>ttl-min = 255</c>.</summary>
    public bool TtlSecurity { get; init; }
}

public sealed record GoBgpConfig(uint Asn, IPAddress RouterId)
{
    public IReadOnlyList<GoBgpNeighborConfig> Neighbors { get; init; } = [];

    /// <summary>BGP listen port; -1 means never listen (dial only).</summary>
    public int ListenPort { get; init; } = 179;

    public int HoldTimeSeconds { get; init; } = 9;

    public int KeepaliveSeconds { get; init; } = 3;

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("[global.config]");
        text.AppendLine($"  as = {Asn}");
        text.AppendLine($"  router-id = \"{RouterId}\"");
        text.AppendLine($"  port = {ListenPort}");
        foreach (var neighbor in Neighbors)
        {
            text.AppendLine("[[neighbors]]");
            text.AppendLine("  [neighbors.config]");
            text.AppendLine($"    neighbor-address = \"{neighbor.Address}\"");
            text.AppendLine($"    peer-as = {neighbor.PeerAs}");
            if (neighbor.AuthPassword is { } password)
            {
                text.AppendLine($"    auth-password = \"{password}\"");
            }

            text.AppendLine("  [neighbors.timers.config]");
            text.AppendLine("    connect-retry = 1");
            text.AppendLine($"    hold-time = {HoldTimeSeconds}");
            text.AppendLine($"    keepalive-interval = {KeepaliveSeconds}");
            if (neighbor.Passive)
            {
                text.AppendLine("  [neighbors.transport.config]");
                text.AppendLine("    passive-mode = true");
            }

            if (neighbor.TtlSecurity)
            {
                text.AppendLine("  [neighbors.ttl-security.config]");
                text.AppendLine("    enabled = true");
                text.AppendLine("    ttl-min = 255");
            }

            foreach (var family in neighbor.Families ?? [neighbor.Address.AddressFamily])
            {
                text.AppendLine("  [[neighbors.afi-safis]]");
                text.AppendLine("    [neighbors.afi-safis.config]");
                text.AppendLine($"      afi-safi-name = \"{(family == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4")}-unicast\"");
            }
        }

        return text.ToString();
    }
}

/// <summary>One path in GoBGP's RIB as <c>gobgp … -j</c> prints it.</summary>
public sealed record GoBgpPath
{
    public required string Prefix { get; init; }

    public IPAddress? NextHop { get; init; }

    public IReadOnlyList<uint> AsPath { get; init; } = [];

    /// <summary>0 IGP, 1 EGP, 2 incomplete (RFC 4271 §5.1.1).</summary>
    public int? Origin { get; init; }

    public uint? Med { get; init; }

    public uint? LocalPreference { get; init; }

    public IReadOnlyList<string> Communities { get; init; } = [];

    public IReadOnlyList<string> LargeCommunities { get; init; } = [];

    public bool Best { get; init; }

    public string? NeighborIp { get; init; }

    public override string ToString() =>
        $"{Prefix} via {NextHop} [{string.Join(' ', AsPath)}] origin {Origin} comm({string.Join(' ', Communities)}) lcomm({string.Join(' ', LargeCommunities)})";
}

public sealed record GoBgpNeighbor(string Address, uint PeerAs, string State)
{
    public bool IsEstablished => State == "Established";
}

/// <summary>
/// gobgpd in a namespace, its gRPC API on that namespace's loopback so the <c>gobgp</c>
/// client must run in the same namespace.
/// </summary>
public sealed class GoBgpRouter : IAsyncDisposable
{
    public const int ApiPort = 50051;

    private static readonly string[] _stateNames = ["Unknown", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"];

    private readonly NetworkLab _lab;
    private readonly string _directory;
    private LabProcess? _process;

    private GoBgpRouter(NetworkLab lab, LabNamespace ns, GoBgpConfig config, string directory)
    {
        _lab = lab;
        Namespace = ns;
        Config = config;
        _directory = directory;
    }

    public LabNamespace Namespace { get; }

    public GoBgpConfig Config { get; }

    public LabProcess Process => _process ?? throw new LabException("gobgpd is not running");

    public static async Task<GoBgpRouter> StartAsync(NetworkLab lab, LabNamespace ns, GoBgpConfig config)
    {
        var router = new GoBgpRouter(lab, ns, config, lab.CreateDirectory($"gobgp-{ns.Name}"));
        await router.StartProcessAsync();
        return router;
    }

    public async Task<string> GobgpAsync(params string[] arguments)
    {
        var result = await Namespace.ExecAsync(["gobgp", "-p", ApiPort.ToString(), .. arguments]);
        return result.EnsureSuccess().StandardOutput;
    }

    /// <summary>Originates <paramref name="prefix"/> (<c>gobgp global rib add</c>), origin IGP.</summary>
    public Task AddRouteAsync(string prefix, IEnumerable<string>? communities = null, IEnumerable<string>? largeCommunities = null)
    {
        var arguments = new List<string> { "global", "rib", "add", prefix, "origin", "igp" };
        if (communities?.ToList() is { Count: > 0 } c)
        {
            arguments.Add("community");
            arguments.Add(string.Join(',', c));
        }

        if (largeCommunities?.ToList() is { Count: > 0 } l)
        {
            arguments.Add("large-community");
            arguments.Add(string.Join(',', l));
        }

        arguments.Add("-a");
        arguments.Add(FamilyOf(prefix));
        return GobgpAsync([.. arguments]);
    }

    public Task DeleteRouteAsync(string prefix) =>
        GobgpAsync("global", "rib", "del", prefix, "-a", FamilyOf(prefix));

    public async Task<IReadOnlyList<GoBgpNeighbor>> GetNeighborsAsync()
    {
        using var document = JsonDocument.Parse(await GobgpAsync("neighbor", "-j"));
        var neighbors = ImmutableArray.CreateBuilder<GoBgpNeighbor>();
        foreach (var n in document.RootElement.EnumerateArray())
        {
            var state = n.GetProperty("state");
            var sessionState = state.TryGetProperty("session_state", out var s)
                ? s.ValueKind == JsonValueKind.Number ? _stateNames[Math.Clamp(s.GetInt32(), 0, 6)] : s.GetString() ?? string.Empty
                : "Idle";
            neighbors.Add(new GoBgpNeighbor(
                state.GetProperty("neighbor_address").GetString() ?? string.Empty,
                state.TryGetProperty("peer_asn", out var asn) ? asn.GetUInt32() : 0,
                sessionState));
        }

        return neighbors.ToImmutable();
    }

    /// <summary>Paths received from <paramref name="neighbor"/> (Adj-RIB-In).</summary>
    public async Task<IReadOnlyList<GoBgpPath>> GetReceivedAsync(IPAddress neighbor, AddressFamily family = AddressFamily.InterNetwork) =>
        ParseRib(await GobgpAsync("neighbor", neighbor.ToString(), "adj-in", "-a", FamilyName(family), "-j"));

    /// <summary>The global (Loc-)RIB.</summary>
    public async Task<IReadOnlyList<GoBgpPath>> GetRibAsync(AddressFamily family = AddressFamily.InterNetwork) =>
        ParseRib(await GobgpAsync("global", "rib", "-a", FamilyName(family), "-j"));

    public Task<IReadOnlyList<GoBgpNeighbor>> WaitForEstablishedAsync(IPAddress neighbor, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            $"GoBGP neighbor {neighbor} to be Established",
            GetNeighborsAsync,
            ns => ns.Any(n => n.Address == neighbor.ToString() && n.IsEstablished),
            timeout);

    public Task<IReadOnlyList<GoBgpPath>> WaitForReceivedAsync(
        IPAddress neighbor,
        AddressFamily family,
        Func<IReadOnlyList<GoBgpPath>, bool> condition,
        string description,
        TimeSpan? timeout = null) =>
        Eventually.UntilAsync(description, () => GetReceivedAsync(neighbor, family), condition, timeout);

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            _process = null;
        }

        await Task.CompletedTask;
    }

    internal static IReadOnlyList<GoBgpPath> ParseRib(string json)
    {
        var paths = ImmutableArray.CreateBuilder<GoBgpPath>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return paths.ToImmutable();
        }

        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return paths.ToImmutable();
        }

        foreach (var destination in document.RootElement.EnumerateObject())
        {
            foreach (var path in destination.Value.EnumerateArray())
            {
                paths.Add(ParsePath(destination.Name, path));
            }
        }

        return paths.ToImmutable();
    }

    private static GoBgpPath ParsePath(string prefix, JsonElement path)
    {
        IPAddress? nextHop = null;
        int? origin = null;
        uint? med = null;
        uint? localPreference = null;
        var asPath = ImmutableArray.CreateBuilder<uint>();
        var communities = ImmutableArray.CreateBuilder<string>();
        var large = ImmutableArray.CreateBuilder<string>();
        foreach (var attribute in path.GetProperty("attrs").EnumerateArray())
        {
            switch (attribute.GetProperty("type").GetInt32())
            {
                case 1:
                    origin = attribute.GetProperty("value").GetInt32();
                    break;
                case 2 when attribute.TryGetProperty("as_paths", out var segments):
                    foreach (var segment in segments.EnumerateArray())
                    {
                        foreach (var asn in segment.GetProperty("asns").EnumerateArray())
                        {
                            asPath.Add(asn.GetUInt32());
                        }
                    }

                    break;
                case 3 or 14 when attribute.TryGetProperty("nexthop", out var hop) && IPAddress.TryParse(hop.GetString(), out var address):
                    nextHop = address;
                    break;
                case 4 when attribute.TryGetProperty("metric", out var metric):
                    med = metric.GetUInt32();
                    break;
                case 5 when attribute.TryGetProperty("value", out var pref):
                    localPreference = pref.GetUInt32();
                    break;
                case 8 when attribute.TryGetProperty("communities", out var list):
                    foreach (var community in list.EnumerateArray())
                    {
                        var value = community.GetUInt32();
                        communities.Add(string.Create(CultureInfo.InvariantCulture, $"{value >> 16}:{value & 0xFFFF}"));
                    }

                    break;
                case 32 when attribute.TryGetProperty("value", out var list):
                    foreach (var community in list.EnumerateArray())
                    {
                        large.Add($"{community.GetProperty("ASN").GetUInt32()}:{community.GetProperty("LocalData1").GetUInt32()}:{community.GetProperty("LocalData2").GetUInt32()}");
                    }

                    break;
            }
        }

        return new GoBgpPath
        {
            Prefix = prefix,
            NextHop = nextHop,
            AsPath = asPath.ToImmutable(),
            Origin = origin,
            Med = med,
            LocalPreference = localPreference,
            Communities = communities.ToImmutable(),
            LargeCommunities = large.ToImmutable(),
            Best = path.TryGetProperty("best", out var best) && best.ValueKind == JsonValueKind.True,
            NeighborIp = path.TryGetProperty("neighbor-ip", out var ip) ? ip.GetString() : null,
        };
    }

    private static string FamilyOf(string prefix) =>
        FamilyName(IPNetwork.Parse(prefix).BaseAddress.AddressFamily);

    private static string FamilyName(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";

    private async Task StartProcessAsync()
    {
        var configFile = Path.Combine(_directory, "gobgpd.toml");
        await File.WriteAllTextAsync(configFile, Config.Render());
        var process = _lab.Start(
            Namespace,
            $"gobgpd-{Namespace.Name}",
            ["gobgpd", "-f", configFile, "--api-hosts", $"127.0.0.1:{ApiPort}", "--pprof-disable", "-p"]);
        _process = process;
        await Eventually.UntilAsync(
            $"gobgpd in {Namespace.Name} to answer its API",
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"gobgpd exited: {process.ReadLog()}");
                }

                return (await Namespace.ExecAsync("gobgp", "-p", ApiPort.ToString(), "global")).Succeeded;
            },
            ok => ok,
            TimeSpan.FromSeconds(20));
    }
}

using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Beacon.Interop.Tests.Lab;

/// <summary>A <c>protocol bgp</c> of BIRD 2; <see cref="Name"/> is the protocol name birdc shows.</summary>
public sealed record BirdNeighborConfig(string Name, IPAddress Address, uint PeerAs, IPAddress LocalAddress)
{
    public IReadOnlyList<AddressFamily>? Families { get; init; }

    public bool Passive { get; init; }

    /// <summary>RFC 8950 in the ipv4 channel (<c>extended next hop on</c>): IPv4 routes with IPv6 next hops.</summary>
    public bool ExtendedNextHop { get; init; }

    /// <summary>
    /// A direct session also over IPv6, without the <c>multihop 2</c> used by default there
    /// (which exists for FRR without zebra); BIRD then sends and uses link-local next hops.
    /// </summary>
    public bool Direct { get; init; }

    /// <summary>TCP MD5 password (RFC 2385).</summary>
    public string? Password { get; init; }

    /// <summary>GTSM (RFC 5082): <c>ttl security on</c>.</summary>
    public bool TtlSecurity { get; init; }
}

/// <summary>A static route BIRD originates (a blackhole in its own table; there is no kernel protocol).</summary>
public sealed record BirdStaticRoute(string Prefix)
{
    public IReadOnlyList<string> Communities { get; init; } = [];

    public IReadOnlyList<string> LargeCommunities { get; init; } = [];
}

public sealed record BirdConfig(uint Asn, IPAddress RouterId)
{
    public IReadOnlyList<BirdNeighborConfig> Neighbors { get; init; } = [];

    public IReadOnlyList<BirdStaticRoute> StaticRoutes { get; init; } = [];

    public int HoldTimeSeconds { get; init; } = 9;

    public int KeepaliveSeconds { get; init; } = 3;

    public string Render()
    {
        // No "protocol kernel": BIRD never touches a FIB, not even the namespace's.
        var text = new StringBuilder();
        text.AppendLine($"router id {RouterId};");
        text.AppendLine("protocol device { }");

        // The link prefixes, so that next hops learned over multihop sessions resolve.
        text.AppendLine("protocol direct { ipv4; ipv6; }");
        foreach (var (family, name) in new[] { (AddressFamily.InterNetwork, "ipv4"), (AddressFamily.InterNetworkV6, "ipv6") })
        {
            text.AppendLine($"protocol static static_{name} {{");
            text.AppendLine($"  {name};");
            foreach (var route in StaticRoutes.Where(r => IPNetwork.Parse(r.Prefix).BaseAddress.AddressFamily == family))
            {
                var actions = route.Communities.Select(c => $"bgp_community.add(({c.Replace(':', ',')}));")
                    .Concat(route.LargeCommunities.Select(c => $"bgp_large_community.add(({c.Replace(':', ',')}));"))
                    .ToList();
                text.AppendLine(actions.Count == 0
                    ? $"  route {route.Prefix} blackhole;"
                    : $"  route {route.Prefix} blackhole {{ {string.Join(' ', actions)} }};");
            }

            text.AppendLine("}");
        }

        foreach (var neighbor in Neighbors)
        {
            text.AppendLine($"protocol bgp {neighbor.Name} {{");
            text.AppendLine($"  local {neighbor.LocalAddress} as {Asn};");
            text.AppendLine($"  neighbor {neighbor.Address} as {neighbor.PeerAs};");
            text.AppendLine($"  hold time {HoldTimeSeconds}; keepalive time {KeepaliveSeconds}; connect retry time 1;");
            if (neighbor.Passive)
            {
                text.AppendLine("  passive on;");
            }

            if (neighbor.Password is { } password)
            {
                text.AppendLine($"  password \"{password}\";");
            }

            if (neighbor.TtlSecurity)
            {
                text.AppendLine("  ttl security on;");
            }

            if (neighbor.Address.AddressFamily == AddressFamily.InterNetworkV6 && !neighbor.Direct)
            {
                // On a direct IPv6 session BIRD adds a link-local next hop (32-byte
                // MP_REACH next hop); FRR without zebra cannot map that to an interface and
                // treats the update as withdrawn. Multihop sessions carry the global one only.
                text.AppendLine("  multihop 2;");
            }

            foreach (var family in neighbor.Families ?? [neighbor.Address.AddressFamily])
            {
                var name = family == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
                var extendedNextHop = neighbor.ExtendedNextHop && family == AddressFamily.InterNetwork ? " extended next hop on;" : "";
                text.AppendLine($"  {name} {{ import all; export where source = RTS_STATIC;{extendedNextHop} }};");
            }

            text.AppendLine("}");
        }

        return text.ToString();
    }
}

/// <summary>One route of <c>birdc show route all</c>.</summary>
public sealed record BirdRoute
{
    public required string Prefix { get; init; }

    public required string Protocol { get; init; }

    public bool Primary { get; init; }

    public IPAddress? NextHop { get; init; }

    public IReadOnlyList<uint> AsPath { get; init; } = [];

    public string? Origin { get; init; }

    public IReadOnlyList<string> Communities { get; init; } = [];

    public IReadOnlyList<string> LargeCommunities { get; init; } = [];

    /// <summary><c>BGP.med</c>; null when BIRD shows none.</summary>
    public uint? Med { get; init; }

    /// <summary><c>BGP.local_pref</c>; null when BIRD shows none.</summary>
    public uint? LocalPreference { get; init; }

    public ImmutableDictionary<string, string> Attributes { get; init; } = ImmutableDictionary<string, string>.Empty;

    public override string ToString() =>
        $"{Prefix} from {Protocol} via {NextHop} [{string.Join(' ', AsPath)}] comm({string.Join(' ', Communities)})";
}

public sealed record BirdProtocol(string Name, string Proto, string State, string Info)
{
    public bool IsEstablished => Info.StartsWith("Established", StringComparison.Ordinal);
}

/// <summary>BIRD 2 in a namespace, with its own control socket.</summary>
public sealed partial class BirdRouter : IAsyncDisposable
{
    private readonly NetworkLab _lab;
    private readonly string _directory;
    private LabProcess? _process;

    private BirdRouter(NetworkLab lab, LabNamespace ns, BirdConfig config, string directory)
    {
        _lab = lab;
        Namespace = ns;
        Config = config;
        _directory = directory;
    }

    public LabNamespace Namespace { get; }

    public BirdConfig Config { get; }

    public string ControlSocket => Path.Combine(_directory, "bird.ctl");

    public LabProcess Process => _process ?? throw new LabException("bird is not running");

    public static async Task<BirdRouter> StartAsync(NetworkLab lab, LabNamespace ns, BirdConfig config)
    {
        var router = new BirdRouter(lab, ns, config, lab.CreateDirectory($"bird-{ns.Name}"));
        await router.StartProcessAsync();
        return router;
    }

    public async Task<string> BirdcAsync(params string[] arguments)
    {
        var result = await Command.RunAsync("birdc", ["-s", ControlSocket, .. arguments]);
        return result.EnsureSuccess().StandardOutput;
    }

    public async Task<IReadOnlyList<BirdProtocol>> GetProtocolsAsync() =>
        ParseProtocols(await BirdcAsync("show", "protocols"));

    /// <summary>Routes in BIRD's tables; only those learned by <paramref name="protocol"/> when given.</summary>
    public async Task<IReadOnlyList<BirdRoute>> GetRoutesAsync(string? protocol = null) =>
        ParseRoutes(protocol is null
            ? await BirdcAsync("show", "route", "all")
            : await BirdcAsync("show", "route", "all", "protocol", protocol));

    public Task<IReadOnlyList<BirdProtocol>> WaitForEstablishedAsync(string protocol, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            $"BIRD protocol {protocol} to be Established",
            GetProtocolsAsync,
            ps => ps.Any(p => p.Name == protocol && p.IsEstablished),
            timeout);

    public Task<IReadOnlyList<BirdRoute>> WaitForRoutesAsync(
        string protocol,
        Func<IReadOnlyList<BirdRoute>, bool> condition,
        string description,
        TimeSpan? timeout = null) =>
        Eventually.UntilAsync(description, () => GetRoutesAsync(protocol), condition, timeout);

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            _process = null;
        }

        await Task.CompletedTask;
    }

    internal static IReadOnlyList<BirdProtocol> ParseProtocols(string output)
    {
        var protocols = ImmutableArray.CreateBuilder<BirdProtocol>();
        foreach (var line in output.Split('\n'))
        {
            var columns = Columns().Split(line.Trim(), 6);
            if (columns.Length >= 5 && columns[0] is not ("Name" or "BIRD"))
            {
                protocols.Add(new BirdProtocol(columns[0], columns[1], columns[3], columns.Length > 5 ? columns[5] : string.Empty));
            }
        }

        return protocols.ToImmutable();
    }

    internal static IReadOnlyList<BirdRoute> ParseRoutes(string output)
    {
        var routes = ImmutableArray.CreateBuilder<BirdRoute>();
        string? prefix = null;
        BirdRoute? current = null;
        var attributes = ImmutableDictionary.CreateBuilder<string, string>();

        void Flush()
        {
            if (current is not null)
            {
                routes.Add(Finish(current, attributes.ToImmutable()));
                attributes.Clear();
                current = null;
            }
        }

        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.StartsWith("BIRD ", StringComparison.Ordinal) || line.StartsWith("Table ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line[0] == '\t')
            {
                var text = line.Trim();
                var colon = text.IndexOf(": ", StringComparison.Ordinal);
                if (colon > 0)
                {
                    attributes[text[..colon]] = text[(colon + 2)..];
                }

                continue;
            }

            var header = RouteHeader().Match(line);
            if (!header.Success)
            {
                continue;
            }

            Flush();
            if (header.Groups["prefix"].Success)
            {
                prefix = header.Groups["prefix"].Value;
            }

            current = new BirdRoute
            {
                Prefix = prefix ?? string.Empty,
                Protocol = header.Groups["proto"].Value,
                Primary = header.Groups["primary"].Success,
            };
        }

        Flush();
        return routes.ToImmutable();
    }

    private static BirdRoute Finish(BirdRoute route, ImmutableDictionary<string, string> attributes) => route with
    {
        Attributes = attributes,
        NextHop = attributes.TryGetValue("BGP.next_hop", out var hop) && IPAddress.TryParse(hop.Split(' ')[0], out var address) ? address : null,
        Origin = attributes.GetValueOrDefault("BGP.origin"),
        AsPath = attributes.TryGetValue("BGP.as_path", out var path)
            ? [.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => uint.TryParse(a.Trim('{', '}', ','), out var asn) ? asn : 0).Where(a => a != 0)]
            : [],
        Communities = attributes.TryGetValue("BGP.community", out var communities)
            ? [.. Tuples().Matches(communities).Select(m => m.Groups[1].Value.Replace(" ", string.Empty).Replace(',', ':'))]
            : [],
        LargeCommunities = attributes.TryGetValue("BGP.large_community", out var large)
            ? [.. Tuples().Matches(large).Select(m => m.Groups[1].Value.Replace(" ", string.Empty).Replace(',', ':'))]
            : [],
        Med = attributes.TryGetValue("BGP.med", out var med) && uint.TryParse(med, out var medValue) ? medValue : null,
        LocalPreference = attributes.TryGetValue("BGP.local_pref", out var pref) && uint.TryParse(pref, out var prefValue) ? prefValue : null,
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Columns();

    // "203.0.113.0/24       unicast [frr 13:42:05.419] * (100) [AS64500i]", or without the
    // prefix for a second route to the same prefix.
    [GeneratedRegex(@"^(?<prefix>[0-9a-fA-F:.]+/\d+)?\s+\S+\s+\[(?<proto>\S+)\s[^\]]*\](?<primary>\s\*)?")]
    private static partial Regex RouteHeader();

    [GeneratedRegex(@"\(([^()]*)\)")]
    private static partial Regex Tuples();

    private async Task StartProcessAsync()
    {
        var configFile = Path.Combine(_directory, "bird.conf");
        await File.WriteAllTextAsync(configFile, Config.Render());
        var process = _lab.Start(
            Namespace,
            $"bird-{Namespace.Name}",
            ["bird", "-f", "-c", configFile, "-s", ControlSocket, "-P", Path.Combine(_directory, "bird.pid")]);
        _process = process;
        await Eventually.UntilAsync(
            $"bird in {Namespace.Name} to answer on its control socket",
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"bird exited: {process.ReadLog()}");
                }

                return (await Command.RunAsync("birdc", "-s", ControlSocket, "show", "status")).Succeeded;
            },
            ok => ok,
            TimeSpan.FromSeconds(20));
    }
}

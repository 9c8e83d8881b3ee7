using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;
using Beacon.Cluster;
using Beacon.Cluster.Model;
using Beacon.Cluster.Validation;
using k8s;
using k8s.Models;

namespace Beacon.Agent.Announcements;

/// <summary>
/// Turns a cluster snapshot into the sessions and routes of one node, following DESIGN.md
/// "Announcement rules" and "Defaults". Pure: same snapshot and node, same plan.
/// </summary>
internal static class AnnouncementPlanner
{
    public const string BeaconLoadBalancerClass = "beacon.dev/bgp";
    public const string ExcludeFromLoadBalancersLabel = "node.kubernetes.io/exclude-from-external-load-balancers";
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static AnnouncementPlan Plan(ClusterSnapshot snapshot, string nodeName) => Plan(snapshot, nodeName, []);

    /// <summary>
    /// Plans the node, also announcing the addresses of the Gateways this node's proxy is
    /// ready to serve: a Gateway is announced like a LoadBalancer Service, by every
    /// <c>Service</c> advertisement with <c>LoadBalancerIP</c> addresses whose selector
    /// matches the Gateway's labels.
    /// </summary>
    public static AnnouncementPlan Plan(ClusterSnapshot snapshot, string nodeName, IReadOnlyList<ServedGateway> gateways) =>
        Plan(new Context(snapshot, nodeName, planRoutes: true, gateways));

    /// <summary>
    /// The configuration problems of one node's plan (conflicts, references, what cannot be
    /// run), without working out any route: cheap enough to run for every node.
    /// </summary>
    public static ImmutableArray<PlanDiagnostic> CheckConfiguration(ClusterSnapshot snapshot, string nodeName) =>
        Plan(new Context(snapshot, nodeName, planRoutes: false)).Diagnostics;

    private static AnnouncementPlan Plan(Context context)
    {
        var snapshot = context.Snapshot;
        var nodeName = context.NodeName;
        var selected = snapshot.ClusterConfigs.Values
            .Where(c => c.Spec.NodeSelector is null || LabelSelectors.Matches(c.Spec.NodeSelector, context.NodeLabels))
            .Where(context.IsValid)
            .ToList();
        if (selected.Count == 0)
        {
            return context.Result(null, []);
        }

        // Several configs may select one node only if they agree on what the node is.
        var conflict = false;
        conflict |= ReportConflict(context, selected, "spec.localASN", c => c.Spec.LocalASN?.ToString());
        conflict |= ReportConflict(context, selected, "spec.localPort", c => (c.Spec.LocalPort ?? PeerDefaults.LocalPort).ToString());
        conflict |= ReportConflict(context, selected, "spec.routerID", c => c.Spec.RouterID ?? "(node address)");
        if (conflict)
        {
            return context.Result(null, []);
        }

        var peers = new List<PeerPlan>();
        var peerNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var config in selected)
        {
            var configName = ClusterSnapshot.DisplayName(config);
            var localAsn = (uint)config.Spec.LocalASN!.Value;
            IPAddress routerId;
            if (config.Spec.RouterID is not null)
            {
                routerId = IPAddress.Parse(config.Spec.RouterID);
            }
            else if (context.NodeIPv4 is { } address)
            {
                routerId = address;
            }
            else
            {
                var why = context.Node is null ? $"there is no Node object '{nodeName}'" : $"Node '{nodeName}' has no IPv4 InternalIP or ExternalIP in status.addresses";
                context.Error(configName, "spec.routerID", $"no default router ID: {why}; set routerID; no peers of this config are run", ConfigReasons.NoRouterId);
                foreach (var peer in config.Spec.Peers ?? [])
                {
                    context.Refuse(peer, localAsn, $"{configName}: spec.routerID: no default router ID: {why}");
                }

                continue;
            }

            var configPeers = config.Spec.Peers ?? [];
            for (var i = 0; i < configPeers.Count; i++)
            {
                var peer = configPeers[i];
                var path = $"spec.peers[{i}]";
                if (peerNames.TryGetValue(peer.Name!, out var other))
                {
                    context.Error(configName, $"{path}.name", $"peer name '{peer.Name}' is also used by {other}; this peer is not run", ConfigReasons.Conflicted);
                    continue;
                }

                peerNames.Add(peer.Name!, configName);
                BgpPeerConfig? peerConfig = null;
                if (peer.PeerConfigRef is { Name: { } refName })
                {
                    if (!snapshot.PeerConfigs.TryGetValue(refName, out peerConfig))
                    {
                        context.Error(configName, $"{path}.peerConfigRef.name", $"BGPPeerConfig '{refName}' not found; peer '{peer.Name}' is not run", ConfigReasons.PeerConfigNotFound);
                        context.Refuse(peer, localAsn, $"{configName}: {path}.peerConfigRef.name: BGPPeerConfig '{refName}' not found");
                        continue;
                    }

                    if (!context.IsValid(peerConfig))
                    {
                        context.Error(configName, $"{path}.peerConfigRef.name", $"BGPPeerConfig '{refName}' is invalid; peer '{peer.Name}' is not run", ConfigReasons.PeerConfigInvalid);
                        context.Refuse(peer, localAsn, $"{configName}: {path}.peerConfigRef.name: BGPPeerConfig '{refName}' is invalid");
                        continue;
                    }
                }

                if (PlanPeer(context, peer, peerConfig, localAsn, routerId) is { } plan)
                {
                    peers.Add(plan);
                }
            }
        }

        return context.Result(selected[0].Spec.LocalPort ?? PeerDefaults.LocalPort, [.. peers]);
    }

    private static bool ReportConflict(Context context, List<BgpClusterConfig> selected, string field, Func<BgpClusterConfig, string?> value)
    {
        var values = selected.Select(value).Distinct().ToList();
        if (values.Count <= 1)
        {
            return false;
        }

        var all = string.Join(", ", selected.Select(c => $"{c.Metadata.Name} ({value(c)})"));
        foreach (var config in selected)
        {
            context.Error(ClusterSnapshot.DisplayName(config), field, $"BGPClusterConfigs selecting node '{context.NodeName}' disagree: {all}; no peers are run from them", ConfigReasons.Conflicted);
        }

        return true;
    }

    /// <summary>
    /// Why the Secret that <c>spec.authSecretRef</c> names gives no TCP MD5 key (reported on the object
    /// at fault), or null if it gives one. The reference itself was validated with the BGPPeerConfig.
    /// </summary>
    private static string? AuthSecretProblem(Context context, BgpPeer peer, string configName, SecretReference reference, out TcpMd5Key? key)
    {
        key = null;
        var secretName = $"{V1Secret.KubeKind} {reference.Namespace}/{reference.Name}";
        if (!context.Snapshot.Secrets.TryGetValue($"{reference.Namespace}/{reference.Name}", out var secret))
        {
            // The source says why, when it could not read the Secret (403: no Role grants it there).
            var unreadable = context.Snapshot.Errors.FirstOrDefault(e => e.Object == secretName);
            var problem = unreadable is null ? $"{secretName} not found" : $"{secretName} cannot be read: {unreadable.Message}";
            context.Error(configName, "spec.authSecretRef", $"{problem}; peer '{peer.Name}' is not run", ConfigReasons.SecretNotFound);
            return problem;
        }

        if (secret.Data is null || !secret.Data.TryGetValue("password", out var password) || password is not { Length: > 0 })
        {
            context.Error(secretName, "data.password", $"missing or empty: it is the TCP MD5 key of {configName}; peer '{peer.Name}' is not run", ConfigReasons.Invalid);
            context.Error(configName, "spec.authSecretRef", $"{secretName} has no data.password; peer '{peer.Name}' is not run", ConfigReasons.SecretInvalid);
            return $"{secretName}: data.password is missing or empty";
        }

        if (password.Length > TcpMd5Key.MaxLength)
        {
            context.Error(secretName, "data.password", $"{password.Length} bytes: a TCP MD5 key has at most {TcpMd5Key.MaxLength} (Linux TCP_MD5SIG_MAXKEYLEN); peer '{peer.Name}' is not run", ConfigReasons.Invalid);
            context.Error(configName, "spec.authSecretRef", $"{secretName}: data.password is longer than {TcpMd5Key.MaxLength} bytes; peer '{peer.Name}' is not run", ConfigReasons.SecretInvalid);
            return $"{secretName}: data.password is longer than {TcpMd5Key.MaxLength} bytes";
        }

        key = new TcpMd5Key(password);
        return null;
    }

    private static PeerPlan? PlanPeer(Context context, BgpPeer peer, BgpPeerConfig? peerConfig, uint localAsn, IPAddress routerId)
    {
        var spec = peerConfig?.Spec ?? new BgpPeerConfigSpec();
        var configName = peerConfig is null ? null : ClusterSnapshot.DisplayName(peerConfig);
        var blocked = false;

        // Running a session without the security it asks for would be a silent downgrade.
        TcpMd5Key? md5Key = null;
        if (spec.AuthSecretRef is not null && AuthSecretProblem(context, peer, configName!, spec.AuthSecretRef, out md5Key) is { } problem)
        {
            context.Refuse(peer, localAsn, $"{configName}: spec.authSecretRef: {problem}");
            blocked = true;
        }

        if (spec.BfdProfileRef is not null)
        {
            context.Warning(configName!, "spec.bfdProfileRef", "parsed, not yet supported");
        }

        if (blocked)
        {
            return null;
        }

        IList<BgpFamily> families = spec.Families is { Count: > 0 } f
            ? f
            : [new BgpFamily { Afi = "ipv4", Safi = "unicast" }, new BgpFamily { Afi = "ipv6", Safi = "unicast" }];

        var settings = new PeerSettings
        {
            Name = peer.Name!,
            PeerAddress = IPAddress.Parse(peer.PeerAddress!),
            PeerAsn = (uint)(peer.PeerASN ?? 0),
            LocalAsn = localAsn,
            RouterId = routerId,
            PeerPort = (ushort)(spec.Transport?.PeerPort ?? PeerDefaults.PeerPort),
            LocalAddress = spec.Transport?.LocalAddress is { } local ? IPAddress.Parse(local) : null,
            Passive = spec.Transport?.Passive ?? false,
            HoldTime = TimeSpan.FromSeconds(spec.Timers?.HoldTimeSeconds ?? PeerDefaults.HoldTimeSeconds),
            KeepaliveTime = TimeSpan.FromSeconds(spec.Timers?.KeepaliveTimeSeconds ?? PeerDefaults.KeepaliveFor(spec.Timers?.HoldTimeSeconds ?? PeerDefaults.HoldTimeSeconds)),
            ConnectRetryTime = TimeSpan.FromSeconds(spec.Timers?.ConnectRetryTimeSeconds ?? PeerDefaults.ConnectRetryTimeSeconds),
            EbgpMultihop = spec.EbgpMultihop ?? PeerDefaults.EbgpMultihop,
            Families = [.. families.Select(x => x.Afi == "ipv4" ? RouteFamily.Ipv4Unicast : RouteFamily.Ipv6Unicast)],
            GracefulRestart = spec.GracefulRestart?.Enabled ?? false,
            GracefulRestartTime = TimeSpan.FromSeconds(spec.GracefulRestart?.RestartTimeSeconds ?? PeerDefaults.GracefulRestartTimeSeconds),
            TcpMd5Key = md5Key,
            TtlSecurity = spec.TtlSecurity ?? false,
            MaxPrefixes = spec.MaxPrefixes is { } maxPrefixes ? (uint)maxPrefixes : null,
        };

        if (!context.PlanRoutes)
        {
            return new PeerPlan(settings, []);
        }

        var routes = new SortedDictionary<IPNetwork, MergedAttributes>(PrefixComparer.Instance);
        foreach (var family in families)
        {
            // An absent selector selects no advertisement (DESIGN.md "Defaults").
            if (family.Advertisements is null)
            {
                continue;
            }

            var addressFamily = family.Afi == "ipv4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            foreach (var advertisement in context.Snapshot.Advertisements.Values)
            {
                if (!LabelSelectors.Matches(family.Advertisements, advertisement.Metadata.Labels) || !context.IsValid(advertisement))
                {
                    continue;
                }

                foreach (var entry in advertisement.Spec.Advertisements!)
                {
                    foreach (var prefix in Prefixes(context, entry, addressFamily))
                    {
                        if (!routes.TryGetValue(prefix, out var merged))
                        {
                            routes[prefix] = merged = new MergedAttributes();
                        }

                        merged.Add(entry.Attributes);
                    }
                }
            }
        }

        return new PeerPlan(settings, [.. routes.Select(r => new AdvertisedRoute(r.Key, r.Value.ToAttributes()))]);
    }

    private static IEnumerable<IPNetwork> Prefixes(Context context, BgpAdvertisementEntry entry, AddressFamily family)
    {
        if (entry.Type == AdvertisementTypes.PodCidr)
        {
            return entry.Selector is null || LabelSelectors.Matches(entry.Selector, context.NodeLabels)
                ? context.PodCidrs.Where(p => p.BaseAddress.AddressFamily == family)
                : [];
        }

        return ServicePrefixes(context, entry, family).Concat(GatewayPrefixes(context, entry, family));
    }

    private static IEnumerable<IPNetwork> ServicePrefixes(Context context, BgpAdvertisementEntry entry, AddressFamily family)
    {
        if (context.NodeLabels?.ContainsKey(ExcludeFromLoadBalancersLabel) == true)
        {
            yield break;
        }

        var length = AggregationLength(entry, family);
        foreach (var service in context.Snapshot.Services.Values)
        {
            if (service.Spec?.Type != "LoadBalancer"
                || service.Spec.LoadBalancerClass is not (null or "" or BeaconLoadBalancerClass)
                || (entry.Selector is not null && !LabelSelectors.Matches(entry.Selector, service.Metadata.Labels)))
            {
                continue;
            }

            foreach (var kind in entry.Service!.Addresses!)
            {
                // ClusterIPs are reached from inside the cluster, so internalTrafficPolicy
                // governs them; the external kinds follow externalTrafficPolicy.
                var policy = kind == ServiceAddressKinds.ClusterIp ? service.Spec.InternalTrafficPolicy : service.Spec.ExternalTrafficPolicy;
                if (policy == "Local" && !context.HasLocalReadyEndpoint(service))
                {
                    continue;
                }

                foreach (var (field, text) in Addresses(service, kind))
                {
                    if (!ObjectValidator.TryParseIp(text, out var address))
                    {
                        context.Warning(ClusterSnapshot.DisplayName(service), field, $"'{text}' is not an IP address; not announced");
                        continue;
                    }

                    if (address.AddressFamily == family)
                    {
                        yield return Mask(address, length);
                    }
                }
            }
        }
    }

    private static IEnumerable<IPNetwork> GatewayPrefixes(Context context, BgpAdvertisementEntry entry, AddressFamily family)
    {
        if (context.NodeLabels?.ContainsKey(ExcludeFromLoadBalancersLabel) == true
            || entry.Service?.Addresses?.Contains(ServiceAddressKinds.LoadBalancerIp) != true)
        {
            yield break;
        }

        var length = AggregationLength(entry, family);
        foreach (var gateway in context.Gateways)
        {
            if (entry.Selector is not null && !LabelSelectors.Matches(entry.Selector, gateway.Labels))
            {
                continue;
            }

            foreach (var address in gateway.Addresses)
            {
                if (address.AddressFamily == family)
                {
                    yield return Mask(address, length);
                }
            }
        }
    }

    private static int AggregationLength(BgpAdvertisementEntry entry, AddressFamily family) =>
        family == AddressFamily.InterNetwork ? entry.Service!.AggregationLengthIPv4 ?? 32 : entry.Service!.AggregationLengthIPv6 ?? 128;

    private static IEnumerable<(string Field, string? Text)> Addresses(V1Service service, string kind)
    {
        switch (kind)
        {
            case ServiceAddressKinds.LoadBalancerIp:
                var ingress = service.Status?.LoadBalancer?.Ingress ?? [];
                for (var i = 0; i < ingress.Count; i++)
                {
                    // Hostname-only ingress entries carry no address to announce.
                    if (ingress[i].Ip is { } ip)
                    {
                        yield return ($"status.loadBalancer.ingress[{i}].ip", ip);
                    }
                }

                break;
            case ServiceAddressKinds.ExternalIp:
                var external = service.Spec.ExternalIPs ?? [];
                for (var i = 0; i < external.Count; i++)
                {
                    yield return ($"spec.externalIPs[{i}]", external[i]);
                }

                break;
            case ServiceAddressKinds.ClusterIp:
                var cluster = service.Spec.ClusterIPs is { Count: > 0 } ips ? ips : service.Spec.ClusterIP is { } one ? [one] : [];
                for (var i = 0; i < cluster.Count; i++)
                {
                    // "None" marks a headless Service.
                    if (cluster[i] is not (null or "" or "None"))
                    {
                        yield return ($"spec.clusterIPs[{i}]", cluster[i]);
                    }
                }

                break;
        }
    }

    private static IPNetwork Mask(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), length);
    }

    /// <summary>
    /// Attributes of one prefix that several advertisement entries select for one peer.
    /// The merge does not depend on the order of the entries: communities are the sorted
    /// union; LOCAL_PREF the highest and MED the lowest of those given (the most preferred
    /// either way, so no selecting advertisement makes the route less attractive than
    /// another asked for); AS_PATH prepending the largest count.
    /// </summary>
    private sealed class MergedAttributes
    {
        private readonly SortedSet<uint> _communities = [];
        private readonly SortedSet<LargeCommunity> _large = new(Comparer<LargeCommunity>.Create(
            (a, b) => (a.GlobalAdministrator, a.LocalData1, a.LocalData2).CompareTo((b.GlobalAdministrator, b.LocalData1, b.LocalData2))));

        private uint? _localPreference;
        private uint? _med;
        private int _prepend;

        public void Add(RouteAttributesSpec? attributes)
        {
            if (attributes is null)
            {
                return;
            }

            foreach (var text in (attributes.Communities?.Standard ?? []).Concat(attributes.Communities?.WellKnown ?? []))
            {
                if (CommunityText.TryParseStandard(text, out var value))
                {
                    _communities.Add(value);
                }
            }

            foreach (var text in attributes.Communities?.Large ?? [])
            {
                if (CommunityText.TryParseLarge(text, out var global, out var local1, out var local2))
                {
                    _large.Add(new LargeCommunity(global, local1, local2));
                }
            }

            if (attributes.LocalPreference is { } localPreference)
            {
                _localPreference = Math.Max(_localPreference ?? 0, (uint)localPreference);
            }

            if (attributes.Med is { } med)
            {
                _med = Math.Min(_med ?? uint.MaxValue, (uint)med);
            }

            _prepend = Math.Max(_prepend, attributes.AsPathPrepend?.Count ?? 0);
        }

        public RouteAttributes ToAttributes() =>
            _communities.Count == 0 && _large.Count == 0 && _localPreference is null && _med is null && _prepend == 0
                ? RouteAttributes.Default
                : new RouteAttributes
                {
                    Communities = [.. _communities],
                    LargeCommunities = [.. _large],
                    LocalPreference = _localPreference,
                    Med = _med,
                    AsPathPrependCount = _prepend,
                };
    }

    /// <summary>IPv4 before IPv6, then by address, then by length.</summary>
    private sealed class PrefixComparer : IComparer<IPNetwork>
    {
        public static PrefixComparer Instance { get; } = new();

        public int Compare(IPNetwork x, IPNetwork y)
        {
            var byFamily = x.BaseAddress.AddressFamily.CompareTo(y.BaseAddress.AddressFamily);
            if (byFamily != 0)
            {
                return byFamily;
            }

            var byAddress = x.BaseAddress.GetAddressBytes().AsSpan().SequenceCompareTo(y.BaseAddress.GetAddressBytes());
            return byAddress != 0 ? byAddress : x.PrefixLength.CompareTo(y.PrefixLength);
        }
    }

    /// <summary>The node being planned for, and the diagnostics collected so far.</summary>
    private sealed class Context
    {
        private readonly List<PlanDiagnostic> _diagnostics = [];
        private readonly List<RefusedPeer> _refused = [];
        private readonly HashSet<PlanDiagnostic> _seen = [];
        private readonly Dictionary<object, bool> _validity = new(ReferenceEqualityComparer.Instance);

        public Context(ClusterSnapshot snapshot, string nodeName, bool planRoutes, IReadOnlyList<ServedGateway>? gateways = null)
        {
            Gateways = gateways ?? [];
            Snapshot = snapshot;
            NodeName = nodeName;
            PlanRoutes = planRoutes;
            Node = snapshot.Nodes.GetValueOrDefault(nodeName);
            NodeLabels = Node?.Metadata?.Labels;
            NodeIPv4 = FirstIPv4(Node, "InternalIP") ?? FirstIPv4(Node, "ExternalIP");
            var cidrs = Node?.Spec?.PodCIDRs is { Count: > 0 } list ? list : Node?.Spec?.PodCIDR is { } one ? [one] : [];
            var parsed = new List<IPNetwork>();
            for (var i = 0; i < cidrs.Count; i++)
            {
                if (ObjectValidator.TryParseCidr(cidrs[i], out var network))
                {
                    parsed.Add(network);
                }
                else
                {
                    Warning(ClusterSnapshot.DisplayName(Node!), $"spec.podCIDRs[{i}]", $"'{cidrs[i]}' is not a CIDR; not announced");
                }
            }

            PodCidrs = parsed;
        }

        public ClusterSnapshot Snapshot { get; }

        /// <summary>False when only the configuration is checked.</summary>
        public bool PlanRoutes { get; }

        public string NodeName { get; }

        /// <summary>The Gateways whose listeners this node's proxy serves.</summary>
        public IReadOnlyList<ServedGateway> Gateways { get; }

        public V1Node? Node { get; }

        public IDictionary<string, string>? NodeLabels { get; }

        public IPAddress? NodeIPv4 { get; }

        public IReadOnlyList<IPNetwork> PodCidrs { get; }

        public AnnouncementPlan Result(int? listenPort, ImmutableArray<PeerPlan> peers) =>
            new(listenPort, peers, [.. _diagnostics]) { Refused = [.. _refused] };

        public void Refuse(BgpPeer peer, uint localAsn, string reason) =>
            _refused.Add(new RefusedPeer(peer.Name ?? "", peer.PeerAddress ?? "", (uint)(peer.PeerASN ?? 0), localAsn, reason));

        public void Error(string obj, string field, string message, string reason) =>
            Add(new(DiagnosticSeverity.Error, obj, field, message) { Reason = reason });

        public void Warning(string obj, string field, string message) => Add(new(DiagnosticSeverity.Warning, obj, field, message));

        /// <summary>
        /// Sources validate what they read, but the planner does not rely on it: an invalid
        /// object is reported (once) and not used.
        /// </summary>
        public bool IsValid(IKubernetesObject<V1ObjectMeta> obj)
        {
            if (_validity.TryGetValue(obj, out var valid))
            {
                return valid;
            }

            var errors = ObjectValidator.Validate(obj);
            foreach (var error in errors)
            {
                Error(ClusterSnapshot.DisplayName(obj), error.Field, $"{error.Message}; object not used", ConfigReasons.Invalid);
            }

            _validity[obj] = errors.Count == 0;
            return errors.Count == 0;
        }

        public bool HasLocalReadyEndpoint(V1Service service) =>
            Snapshot.EndpointSlices.Values
                .Where(s => s.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty
                    && s.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var name) == true
                    && name == service.Metadata.Name)
                .SelectMany(s => s.Endpoints ?? [])

                // EndpointSlice API: a nil "ready" condition is to be read as ready.
                .Any(e => e.NodeName == NodeName && (e.Conditions?.Ready ?? true));

        private void Add(PlanDiagnostic diagnostic)
        {
            // Rules are evaluated per peer and family; report each finding once.
            if (_seen.Add(diagnostic))
            {
                _diagnostics.Add(diagnostic);
            }
        }

        private static IPAddress? FirstIPv4(V1Node? node, string type) =>
            (node?.Status?.Addresses ?? [])
                .Where(a => a.Type == type)
                .Select(a => ObjectValidator.TryParseIp(a.Address, out var ip) ? ip : null)
                .FirstOrDefault(ip => ip?.AddressFamily == AddressFamily.InterNetwork);
    }
}

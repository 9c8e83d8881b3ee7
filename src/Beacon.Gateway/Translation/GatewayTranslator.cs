using System.Collections.Immutable;
using System.Net;
using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Config;
using k8s.Models;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Gateway.Translation;

/// <summary>
/// Derives the proxy configuration and the Gateway API statuses from a cluster snapshot
/// (pure: the same snapshot always gives the same result). Each object is judged on its own:
/// an invalid Gateway, listener or route is reported in its status and left out, never
/// breaking the others.
/// </summary>
public static class GatewayTranslator
{
    /// <summary>The <c>spec.controllerName</c> of the GatewayClasses Beacon implements.</summary>
    public const string ControllerName = GatewayApiGroup.BeaconControllerName;

    /// <summary>Published in GatewayClass <c>status.supportedFeatures</c> (sorted, as the CRD requires).</summary>
    public static ImmutableArray<string> SupportedFeatures { get; } = [.. new[]
    {
        "Gateway", "HTTPRoute", "ReferenceGrant",
        "HTTPRouteQueryParamMatching", "HTTPRouteMethodMatching",
        "HTTPRouteResponseHeaderModification", "HTTPRouteBackendRequestHeaderModification",
        "HTTPRoutePortRedirect", "HTTPRouteSchemeRedirect", "HTTPRoutePathRedirect",
        "HTTPRouteHostRewrite", "HTTPRoutePathRewrite",
        "HTTPRouteRequestMirror", "HTTPRouteRequestMultipleMirrors", "HTTPRouteRequestPercentageMirror",
        "HTTPRouteRequestTimeout", "HTTPRouteBackendTimeout",
        "HTTPRouteParentRefPort", "HTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolWebSocket",
        "HTTPRouteNamedRouteRule",
        "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode", "HTTPRoute308RedirectStatusCode",
        "HTTPRouteCORS",
        "GatewayPort8080", "GatewayHTTPListenerIsolation", "GatewayStaticAddresses",
    }.Order(StringComparer.Ordinal)];

    private static readonly RouteGroupKind s_httpRouteKind = new() { Group = GatewayApiGroup.Group, Kind = HttpRoute.KindName };

    public static GatewayTranslation Translate(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var statuses = ImmutableArray.CreateBuilder<GatewayObjectStatus>();

        var classes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var gatewayClass in snapshot.GatewayClasses.Values.Where(c => c.Spec?.ControllerName == ControllerName && !string.IsNullOrEmpty(c.Metadata?.Name)))
        {
            var (status, problem) = ClassStatus(gatewayClass);
            classes[gatewayClass.Metadata.Name] = problem;
            statuses.Add(new(gatewayClass.ApiVersion, GatewayClass.KindName, null, gatewayClass.Metadata.Name, Generation(gatewayClass.Metadata), status));
        }

        var gateways = new Dictionary<string, GatewayState>(StringComparer.Ordinal);
        foreach (var (key, gateway) in snapshot.Gateways)
        {
            if (gateway.Spec?.GatewayClassName is { } className && classes.TryGetValue(className, out var classProblem))
            {
                gateways[key] = GatewayState.Create(key, gateway, classProblem, snapshot);
            }
        }

        MarkConflicts(gateways.Values);

        var resolver = new BackendResolver(snapshot);
        var routes = new List<(ParsedRoute Route, RouteParentStatus[] Parents)>();
        foreach (var route in snapshot.HttpRoutes.Values)
        {
            var ns = route.Metadata?.NamespaceProperty ?? "default";
            var ours = (route.Spec?.ParentRefs ?? []).Where(p => p is not null && GatewayKeyOf(p, ns) is { } k && gateways.ContainsKey(k)).ToList();
            if (ours.Count == 0)
            {
                continue;
            }

            var parsed = RouteParser.Parse(route, resolver);
            var parents = ours.Select(p => Attach(parsed, p, gateways[GatewayKeyOf(p, ns)!])).ToArray();
            routes.Add((parsed, parents));
        }

        var backends = ImmutableSortedDictionary.CreateBuilder<string, BackendConfig>(StringComparer.Ordinal);
        var binds = new SortedDictionary<(string Address, int Port), List<ListenerConfig>>(Comparer<(string Address, int Port)>.Create(
            (a, b) => string.CompareOrdinal(a.Address, b.Address) is var c and not 0 ? c : a.Port.CompareTo(b.Port)));
        var addresses = ImmutableArray.CreateBuilder<GatewayAddresses>();
        foreach (var state in gateways.Values.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var served = new SortedSet<int>();
            if (state.Served)
            {
                foreach (var listener in state.Listeners.Where(l => l.Served))
                {
                    served.Add(listener.Port);
                    var config = new ListenerConfig(state.Key, listener.Name, listener.Hostname, VirtualHosts(listener, backends));
                    foreach (var address in state.Addresses)
                    {
                        if (!binds.TryGetValue((address, listener.Port), out var list))
                        {
                            binds[(address, listener.Port)] = list = [];
                        }

                        list.Add(config);
                    }
                }

                addresses.Add(new(state.Key, [.. state.Addresses.Order(StringComparer.Ordinal)], [.. served]));
            }

            statuses.Add(new(state.Gateway.ApiVersion, GatewayObject.KindName, state.Gateway.Metadata?.NamespaceProperty, state.Gateway.Metadata?.Name ?? string.Empty, state.Generation, state.Status()));
        }

        foreach (var (route, parents) in routes)
        {
            statuses.Add(new(
                route.Route.ApiVersion,
                HttpRoute.KindName,
                route.Namespace,
                route.Route.Metadata?.Name ?? string.Empty,
                Generation(route.Route.Metadata),
                new HttpRouteStatus { Parents = parents }));
        }

        var bindConfigs = binds.Select(b => new BindConfig(
            b.Key.Address,
            b.Key.Port,
            ListenerProtocols.Http,
            [.. b.Value.OrderBy(l => l, Comparer<ListenerConfig>.Create(CompareListeners))]));
        return new(new([.. bindConfigs], backends.ToImmutable()), statuses.ToImmutable(), addresses.ToImmutable());
    }

    internal static long Generation(V1ObjectMeta? metadata) => metadata?.Generation ?? 0;

    private static int CompareListeners(ListenerConfig x, ListenerConfig y)
    {
        var c = Hostnames.CompareSpecificity(x.Hostname, y.Hostname);
        if (c == 0)
        {
            c = string.CompareOrdinal(x.Gateway, y.Gateway);
        }

        return c != 0 ? c : string.CompareOrdinal(x.Name, y.Name);
    }

    private static (GatewayClassStatus Status, string? Problem) ClassStatus(GatewayClass gatewayClass)
    {
        var generation = Generation(gatewayClass.Metadata);

        // Beacon defines no parameters kind, so any reference is one it cannot use.
        var problem = gatewayClass.Spec.ParametersRef is { } p
            ? $"spec.parametersRef: {BackendResolver.Qualified(p.Group ?? string.Empty, p.Kind ?? string.Empty)} {p.Name} is not a parameters kind Beacon supports"
            : null;
        var accepted = problem is null
            ? Conditions.Make(Conditions.Accepted, true, Conditions.ReasonAccepted, "Handled by Beacon", generation)
            : Conditions.Make(Conditions.Accepted, false, "InvalidParameters", problem, generation);
        return (new GatewayClassStatus
        {
            Conditions = [accepted],
            SupportedFeatures = [.. SupportedFeatures.Select(f => new SupportedFeature { Name = f })],
        }, problem);
    }

    private static string? GatewayKeyOf(ParentReference parent, string routeNamespace)
    {
        if ((parent.Group ?? GatewayApiGroup.Group) != GatewayApiGroup.Group || (parent.Kind ?? GatewayObject.KindName) != GatewayObject.KindName || string.IsNullOrEmpty(parent.Name))
        {
            return null;
        }

        return $"{(string.IsNullOrEmpty(parent.Namespace) ? routeNamespace : parent.Namespace)}/{parent.Name}";
    }

    /// <summary>Attaches a route to the listeners one parentRef selects; returns that parent's status.</summary>
    private static RouteParentStatus Attach(ParsedRoute route, ParentReference parent, GatewayState gateway)
    {
        var generation = Generation(route.Route.Metadata);
        var parentRef = new ParentReference
        {
            Group = parent.Group,
            Kind = parent.Kind,
            Namespace = parent.Namespace,
            Name = parent.Name,
            SectionName = parent.SectionName,
            Port = parent.Port,
        };

        V1Condition accepted;
        var candidates = gateway.Listeners
            .Where(l => (parent.SectionName is null || l.Name == parent.SectionName) && (parent.Port is null || l.Port == parent.Port))
            .ToList();
        var allowed = candidates.Where(l => l.AllowsHttpRoutesFrom(route.Namespace)).ToList();
        var matching = allowed.Select(l => (Listener: l, Hosts: Hostnames.Intersect(l.Hostname, route.Hostnames))).Where(x => x.Hosts.Count > 0).ToList();
        if (candidates.Count == 0)
        {
            accepted = Conditions.Make(Conditions.Accepted, false, Conditions.ReasonNoMatchingParent, $"Gateway {gateway.Key} has no listener{Selection(parent)}", generation);
        }
        else if (allowed.Count == 0)
        {
            accepted = Conditions.Make(Conditions.Accepted, false, Conditions.ReasonNotAllowedByListeners, $"no listener of Gateway {gateway.Key}{Selection(parent)} allows HTTPRoutes from namespace {route.Namespace}", generation);
        }
        else if (matching.Count == 0)
        {
            accepted = Conditions.Make(Conditions.Accepted, false, Conditions.ReasonNoMatchingListenerHostname, $"no hostname of the route intersects a listener hostname of Gateway {gateway.Key}{Selection(parent)}", generation);
        }
        else if (route.Invalid is { } invalid)
        {
            accepted = Conditions.Make(Conditions.Accepted, false, Conditions.ReasonUnsupportedValue, invalid, generation);
        }
        else
        {
            accepted = Conditions.Make(Conditions.Accepted, true, Conditions.ReasonAccepted, "Route is accepted", generation);
            foreach (var (listener, hosts) in matching)
            {
                listener.Attach(route, hosts);
            }
        }

        var resolved = route.RefProblem is { } problem
            ? Conditions.Make(Conditions.ResolvedRefs, false, problem.Reason, problem.Message, generation)
            : Conditions.Make(Conditions.ResolvedRefs, true, Conditions.ReasonResolvedRefs, "All references are resolved", generation);
        return new RouteParentStatus { ParentRef = parentRef, ControllerName = ControllerName, Conditions = [accepted, resolved] };
    }

    private static string Selection(ParentReference parent) =>
        (parent.SectionName, parent.Port) switch
        {
            (null, null) => string.Empty,
            ({ } name, null) => $" named {name}",
            (null, { } port) => $" on port {port}",
            ({ } name, { } port) => $" named {name} on port {port}",
        };

    /// <summary>
    /// Listeners that cannot be told apart on one socket (Gateway API listener distinctness),
    /// across every Gateway sharing an address: none of them is served.
    /// </summary>
    private static void MarkConflicts(IEnumerable<GatewayState> gateways)
    {
        var groups = new Dictionary<(string Address, int Port, bool Udp), List<ListenerState>>();
        foreach (var gateway in gateways)
        {
            // A Gateway not served on any address still has to be distinct within itself.
            IEnumerable<string> places = gateway.Served ? gateway.Addresses : [$"gateway {gateway.Key}"];
            foreach (var listener in gateway.Listeners.Where(l => l.ValidPort))
            {
                foreach (var place in places)
                {
                    var key = (place, listener.Port, listener.Protocol == ListenerProtocolNames.Udp);
                    if (!groups.TryGetValue(key, out var list))
                    {
                        groups[key] = list = [];
                    }

                    list.Add(listener);
                }
            }
        }

        foreach (var group in groups.Values.Where(g => g.Count > 1))
        {
            if (group.Select(l => ProtocolFamily(l.Protocol)).Distinct().Count() > 1)
            {
                foreach (var listener in group)
                {
                    listener.Conflict(Conditions.ReasonProtocolConflict, $"another listener uses port {listener.Port} with a different protocol ({Describe(group, listener)})");
                }

                continue;
            }

            foreach (var same in group.GroupBy(l => l.Hostname ?? string.Empty).Where(g => g.Count() > 1))
            {
                foreach (var listener in same)
                {
                    listener.Conflict(Conditions.ReasonHostnameConflict, $"another listener uses port {listener.Port} with the same hostname ({Describe(same, listener)})");
                }
            }
        }
    }

    private static string Describe(IEnumerable<ListenerState> group, ListenerState self) =>
        string.Join(", ", group.Where(l => !ReferenceEquals(l, self)).Select(l => $"{l.Gateway.Key} {l.Name}").Distinct());

    /// <summary>Protocols that can share a port: TLS-based ones select by SNI, HTTP by Host.</summary>
    private static string ProtocolFamily(string protocol) => protocol switch
    {
        ListenerProtocolNames.Https or ListenerProtocolNames.Tls => "tls",
        _ => protocol,
    };

    private static ImmutableArray<VirtualHostConfig> VirtualHosts(ListenerState listener, ImmutableSortedDictionary<string, BackendConfig>.Builder backends)
    {
        var hosts = listener.Attached.SelectMany(a => a.Hosts).Select(h => h.Effective).Distinct().Order(Comparer<string>.Create(Hostnames.CompareSpecificity)).ToList();
        var result = ImmutableArray.CreateBuilder<VirtualHostConfig>();
        foreach (var host in hosts)
        {
            var entries = new List<(RankedEntry Rank, RouteEntryConfig Entry)>();
            foreach (var (route, routeHosts) in listener.Attached)
            {
                // The route's most specific own hostname that serves this host decides its rank here.
                var best = routeHosts.Where(h => Hostnames.Covers(h.Effective, host)).Select(h => h.Route)
                    .Order(Comparer<string>.Create(Hostnames.CompareSpecificity)).FirstOrDefault();
                if (best is null)
                {
                    continue;
                }

                var exact = best != Hostnames.Any && !Hostnames.IsWildcard(best);
                var length = best == Hostnames.Any ? 0 : best.Length;
                foreach (var rule in route.Rules)
                {
                    foreach (var backend in rule.Backends)
                    {
                        backends[backend.Id] = backend;
                    }

                    foreach (var (matchIndex, match) in rule.Matches)
                    {
                        entries.Add((
                            new(exact, length, match, route.Created, route.Key, rule.Index, matchIndex),
                            new(route.Key, rule.Index, rule.Name, matchIndex, match, rule.Action)));
                    }
                }
            }

            result.Add(new(host, [.. entries.OrderBy(e => e.Rank, RoutePrecedence.Instance).Select(e => e.Entry)]));
        }

        return result.ToImmutable();
    }

    /// <summary>One Gateway of Beacon's class, as judged from its spec and the snapshot.</summary>
    private sealed class GatewayState
    {
        private GatewayState(string key, GatewayObject gateway) => (Key, Gateway) = (key, gateway);

        public string Key { get; }

        public GatewayObject Gateway { get; }

        public long Generation => Generation(Gateway.Metadata);

        public List<string> Addresses { get; } = [];

        public List<ListenerState> Listeners { get; } = [];

        /// <summary>Why the Gateway is not accepted (reason, message), or null.</summary>
        public (string Reason, string Message)? NotAccepted { get; private set; }

        public bool Served => NotAccepted is null && Addresses.Count > 0;

        public static GatewayState Create(string key, GatewayObject gateway, string? classProblem, ClusterSnapshot snapshot)
        {
            var state = new GatewayState(key, gateway);
            if (classProblem is not null)
            {
                state.NotAccepted = (Conditions.ReasonInvalid, $"GatewayClass {gateway.Spec.GatewayClassName} is not accepted: {classProblem}");
            }
            else if (gateway.Spec.Infrastructure?.ParametersRef is { } p)
            {
                state.NotAccepted = ("InvalidParameters", $"spec.infrastructure.parametersRef: {BackendResolver.Qualified(p.Group ?? string.Empty, p.Kind ?? string.Empty)} {p.Name} is not a parameters kind Beacon supports");
            }

            state.ResolveAddresses();
            var ns = gateway.Metadata?.NamespaceProperty ?? "default";
            var names = new HashSet<string>(StringComparer.Ordinal);
            var listeners = gateway.Spec.Listeners ?? [];
            if (listeners.Count == 0)
            {
                state.NotAccepted ??= (Conditions.ReasonInvalid, "spec.listeners: at least one listener is required");
            }

            for (var i = 0; i < listeners.Count; i++)
            {
                state.Listeners.Add(new ListenerState(state, listeners[i] ?? new Listener(), i, ns, names, snapshot));
            }

            return state;
        }

        public GatewayStatus Status()
        {
            var generation = Generation;
            V1Condition accepted, programmed;
            var invalidListeners = Listeners.Where(l => !l.Valid).Select(l => l.Name).ToList();
            if (NotAccepted is { } notAccepted)
            {
                accepted = Conditions.Make(Conditions.Accepted, false, notAccepted.Reason, notAccepted.Message, generation);
                programmed = Conditions.Make(Conditions.Programmed, false, Conditions.ReasonInvalid, "the Gateway is not accepted", generation);
            }
            else
            {
                accepted = invalidListeners.Count == 0
                    ? Conditions.Make(Conditions.Accepted, true, Conditions.ReasonAccepted, "Gateway is accepted", generation)
                    : Conditions.Make(Conditions.Accepted, true, Conditions.ReasonListenersNotValid, $"invalid listeners: {string.Join(", ", invalidListeners)}", generation);
                programmed = Addresses.Count == 0
                    ? Conditions.Make(Conditions.Programmed, false, Conditions.ReasonAddressNotAssigned, "no IP address is assigned to the Gateway (spec.addresses or status.addresses)", generation)
                    : Conditions.Make(Conditions.Programmed, true, Conditions.ReasonProgrammed, "Gateway is programmed", generation);
            }

            return new GatewayStatus
            {
                Addresses = Served ? [.. Addresses.Select(a => new GatewayAddress { Type = GatewayAddressTypes.IPAddress, Value = a })] : null,
                Conditions = [accepted, programmed],
                Listeners = [.. Listeners.Select(l => l.Status(generation))],
            };
        }

        /// <summary>
        /// spec.addresses of type IPAddress; entries without a value, or no spec.addresses at
        /// all, ask for an assigned address: the IPAddress entries of status.addresses (written
        /// by the LB-IPAM allocator, or by hand in manifest mode).
        /// </summary>
        private void ResolveAddresses()
        {
            var spec = Gateway.Spec.Addresses ?? [];
            var wantsAssigned = spec.Count == 0;
            for (var i = 0; i < spec.Count; i++)
            {
                var entry = spec[i] ?? new GatewayAddress();
                var type = entry.Type ?? GatewayAddressTypes.IPAddress;
                if (type != GatewayAddressTypes.IPAddress)
                {
                    NotAccepted ??= (Conditions.ReasonUnsupportedAddress, $"spec.addresses[{i}].type: {type} is not supported; only IPAddress");
                }
                else if (string.IsNullOrEmpty(entry.Value))
                {
                    wantsAssigned = true;
                }
                else if (ParseAddress(entry.Value) is not { } ip)
                {
                    NotAccepted ??= (Conditions.ReasonUnsupportedAddress, $"spec.addresses[{i}].value: \"{entry.Value}\" is not an IP address");
                }
                else
                {
                    Add(ip);
                }
            }

            if (wantsAssigned)
            {
                foreach (var address in Gateway.Status?.Addresses ?? [])
                {
                    if (address is not null && (address.Type ?? GatewayAddressTypes.IPAddress) == GatewayAddressTypes.IPAddress && ParseAddress(address.Value) is { } ip)
                    {
                        Add(ip);
                    }
                }
            }

            // Only the forms the CRD's ipv4/ipv6 formats accept: no legacy IPv4 forms (10.1,
            // 0x7f.1) and no IPv6 zone.
            static IPAddress? ParseAddress(string? text) =>
                IPAddress.TryParse(text, out var ip)
                && (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? !text!.Contains('%') : ip.ToString() == text)
                    ? ip
                    : null;

            void Add(IPAddress ip)
            {
                var text = ip.ToString();
                if (!Addresses.Contains(text))
                {
                    Addresses.Add(text);
                }
            }
        }
    }

    /// <summary>One listener of a Gateway and the routes attached to it.</summary>
    private sealed class ListenerState
    {
        private readonly Listener _spec;
        private readonly string _namespace;
        private readonly ClusterSnapshot _snapshot;
        private readonly HashSet<string> _attachedKeys = new(StringComparer.Ordinal);
        private readonly (string Reason, string Message)? _notAccepted;
        private (string Reason, string Message)? _conflict;
        private readonly string? _invalidKinds;

        public ListenerState(GatewayState gateway, Listener spec, int index, string ns, HashSet<string> names, ClusterSnapshot snapshot)
        {
            Gateway = gateway;
            _spec = spec;
            _namespace = ns;
            _snapshot = snapshot;
            Name = spec.Name ?? string.Empty;
            Port = spec.Port ?? 0;
            Protocol = spec.Protocol ?? string.Empty;
            Hostname = spec.Hostname;
            var at = $"spec.listeners[{index}]";

            if (Name.Length == 0 || !names.Add(Name))
            {
                _notAccepted = (Conditions.ReasonInvalid, $"{at}.name: \"{Name}\" is missing or used by another listener");
            }
            else if (Port is < 1 or > 65535)
            {
                _notAccepted = (Conditions.ReasonPortUnavailable, $"{at}.port: {Port} is outside 1 to 65535");
            }
            else if (Protocol != ListenerProtocolNames.Http)
            {
                _notAccepted = (Conditions.ReasonUnsupportedProtocol, $"{at}.protocol: {Protocol} is not supported; only HTTP");
            }
            else if (Hostname is not null && !Hostnames.IsValid(Hostname, allowWildcard: true))
            {
                _notAccepted = (Conditions.ReasonInvalid, $"{at}.hostname: \"{Hostname}\" is not a valid hostname");
            }

            // Route kinds are judged only on listeners of a protocol Beacon serves (HTTP; HTTPS
            // and TLS will add theirs): an unsupported listener supports no kind.
            var kinds = spec.AllowedRoutes?.Kinds;
            if (Protocol != ListenerProtocolNames.Http)
            {
                return;
            }

            if (kinds is null || kinds.Count == 0)
            {
                SupportedKinds.Add(s_httpRouteKind);
                return;
            }

            var invalid = new List<string>();
            foreach (var kind in kinds.Where(k => k is not null))
            {
                var group = kind.Group ?? GatewayApiGroup.Group;
                if (group == GatewayApiGroup.Group && kind.Kind == HttpRoute.KindName)
                {
                    if (SupportedKinds.Count == 0)
                    {
                        SupportedKinds.Add(s_httpRouteKind);
                    }
                }
                else
                {
                    invalid.Add(BackendResolver.Qualified(group, kind.Kind ?? string.Empty));
                }
            }

            if (invalid.Count > 0)
            {
                _invalidKinds = $"{at}.allowedRoutes.kinds: {string.Join(", ", invalid)} not supported on an {Protocol} listener";
            }
        }

        public GatewayState Gateway { get; }

        public string Name { get; }

        public int Port { get; }

        public string Protocol { get; }

        public string? Hostname { get; }

        public List<RouteGroupKind> SupportedKinds { get; } = [];

        public List<(ParsedRoute Route, IReadOnlyList<HostMatch> Hosts)> Attached { get; } = [];

        public bool ValidPort => Port is >= 1 and <= 65535;

        /// <summary>Accepted, not conflicted, all route kinds resolved.</summary>
        public bool Valid => _notAccepted is null && _conflict is null && _invalidKinds is null;

        public bool Served => Gateway.Served && _notAccepted is null && _conflict is null && SupportedKinds.Count > 0;

        public void Conflict(string reason, string message) => _conflict ??= (reason, message);

        public void Attach(ParsedRoute route, IReadOnlyList<HostMatch> hosts)
        {
            if (_attachedKeys.Add(route.Key))
            {
                Attached.Add((route, hosts));
            }
            else
            {
                // A second parentRef to the same listener: serve the union of its hostnames.
                var at = Attached.FindIndex(a => a.Route.Key == route.Key);
                Attached[at] = (route, [.. Attached[at].Hosts.Union(hosts)]);
            }
        }

        public bool AllowsHttpRoutesFrom(string routeNamespace)
        {
            if (SupportedKinds.Count == 0)
            {
                return false;
            }

            var namespaces = _spec.AllowedRoutes?.Namespaces;
            switch (namespaces?.From ?? FromNamespaces.Same)
            {
                case FromNamespaces.All:
                    return true;
                case FromNamespaces.Same:
                    return routeNamespace == _namespace;
                case FromNamespaces.Selector when namespaces!.Selector is { } selector:
                    // Every namespace carries its name as a label (kubernetes.io/metadata.name).
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (_snapshot.Namespaces.TryGetValue(routeNamespace, out var ns) && ns.Metadata?.Labels is { } own)
                    {
                        foreach (var (k, v) in own)
                        {
                            labels[k] = v;
                        }
                    }

                    labels["kubernetes.io/metadata.name"] = routeNamespace;
                    return LabelSelectors.Matches(selector, labels);
                default:
                    return false;
            }
        }

        public ListenerStatus Status(long generation)
        {
            var accepted = _notAccepted is { } na
                ? Conditions.Make(Conditions.Accepted, false, na.Reason, na.Message, generation)
                : _conflict is { } c
                    ? Conditions.Make(Conditions.Accepted, false, Conditions.ReasonPortUnavailable, c.Message, generation)
                    : Conditions.Make(Conditions.Accepted, true, Conditions.ReasonAccepted, "Listener is accepted", generation);
            var conflicted = _conflict is { } conflict
                ? Conditions.Make(Conditions.Conflicted, true, conflict.Reason, conflict.Message, generation)
                : Conditions.Make(Conditions.Conflicted, false, Conditions.ReasonNoConflicts, "No conflicts", generation);
            var resolved = _invalidKinds is { } kinds
                ? Conditions.Make(Conditions.ResolvedRefs, false, Conditions.ReasonInvalidRouteKinds, kinds, generation)
                : Conditions.Make(Conditions.ResolvedRefs, true, Conditions.ReasonResolvedRefs, "All references are resolved", generation);
            var programmed = Served
                ? Conditions.Make(Conditions.Programmed, true, Conditions.ReasonProgrammed, "Listener is programmed", generation)
                : Gateway.NotAccepted is null && Gateway.Addresses.Count == 0 && Valid
                    ? Conditions.Make(Conditions.Programmed, false, Conditions.ReasonPending, "the Gateway has no address yet", generation)
                    : Conditions.Make(Conditions.Programmed, false, Conditions.ReasonInvalid, "Listener is not served", generation);
            return new ListenerStatus
            {
                Name = Name,
                SupportedKinds = [.. SupportedKinds.Select(k => new RouteGroupKind { Group = k.Group, Kind = k.Kind })],
                AttachedRoutes = _attachedKeys.Count,
                Conditions = [accepted, programmed, resolved, conflicted],
            };
        }
    }
}

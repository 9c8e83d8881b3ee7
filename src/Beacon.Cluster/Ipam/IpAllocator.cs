using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Cluster.Validation;
using k8s.Models;

namespace Beacon.Cluster.Ipam;

/// <summary>
/// LoadBalancer IP allocation (LB-IPAM) as a pure function of a snapshot, in the manner of
/// Cilium LB-IPAM and MetalLB. The allocator keeps no state of its own: it rebuilds who
/// holds what from the Services' <c>status.loadBalancer.ingress</c>, so a restart or a new
/// leader plans exactly what the old one would have, and an address a Service holds is
/// never renumbered while it stays valid for that Service.
/// </summary>
/// <remarks>
/// <para>Rules, in the order they are applied:</para>
/// <list type="number">
/// <item>Managed Services are <c>type: LoadBalancer</c> with an empty or <c>beacon.dev/bgp</c>
/// <c>loadBalancerClass</c>. All others are ignored, addresses in their status included, so
/// a Service deleted or turned into another type releases its addresses by being absent.</item>
/// <item>Services are taken oldest first (<c>creationTimestamp</c>, then namespace/name); that
/// order decides every tie.</item>
/// <item>Pass 1 keeps every address already in a Service's status that is still valid for it:
/// of a family it asks for, the first of that family, equal to its requested address if it
/// requests one, inside a pool that selects it (a disabled or conflicting pool still counts:
/// disabling a pool stops new allocations but keeps existing ones), and not kept already by an
/// older Service. Anything else is released with an <c>IPReleased</c> event saying why.</item>
/// <item>Pass 2 gives each Service, oldest first, what it still lacks: a requested address
/// (annotation <c>beacon.dev/ip</c>, comma-separated, one per family, else the deprecated
/// <c>spec.loadBalancerIP</c>) if a selecting, enabled, non-conflicting pool holds it and no
/// Service holds it; otherwise the lowest free address of the first such pool by name. Pass 1
/// runs for all Services before pass 2, so a Service holding an address keeps it even against
/// an older Service that asks for it later.</item>
/// <item>A requested address that cannot be honoured, or a malformed request, leaves the
/// Service with no address at all (not a pool address instead): the user asked for that one.</item>
/// <item>Families: <c>spec.ipFamilies</c> (absent = IPv4) under <c>spec.ipFamilyPolicy</c>
/// (absent = SingleStack). SingleStack wants the first family. PreferDualStack and
/// RequireDualStack want both (the listed ones first; the API server lists both on a
/// dual-stack cluster, a manifest may not). PreferDualStack takes each family a selecting pool
/// can serve and needs at least one; RequireDualStack gets both or none.</item>
/// <item>Pools: two pools whose blocks overlap conflict; the younger one (creationTimestamp,
/// then name) gets a <c>Conflict</c> condition and makes no new allocations, so adding a pool
/// can never disturb an existing one.</item>
/// </list>
/// <para>Gateways of Beacon's class (a GatewayClass whose <c>spec.controllerName</c> is
/// <see cref="GatewayControllerName"/>) share the address space with Services, so no address
/// is ever given to a Service and a Gateway at once:</para>
/// <list type="bullet">
/// <item>Every IP literal in such a Gateway's <c>spec.addresses</c> that lies in a pool is
/// reserved before anything else: a Service holding it loses it, and no one is given it.</item>
/// <item>A Gateway that asks for an assigned address (no <c>spec.addresses</c>, or an
/// IPAddress entry without a value, as the translator reads it) gets one address, kept in its
/// <c>status.addresses</c>: pass 1 keeps the one it has there while a pool that selects the
/// Gateway holds it; pass 2 (after the Services') gives the lowest free address of the first
/// enabled, non-conflicting pool by name that selects it, IPv4 before IPv6.</item>
/// <item>A pool selects a Gateway with the same <c>spec.serviceSelector</c> it applies to
/// Services, matched against the Gateway's <c>metadata.labels</c>.</item>
/// </list>
/// </remarks>
public static class IpAllocator
{
    public const string BeaconLoadBalancerClass = "beacon.dev/bgp";

    /// <summary>The <c>spec.controllerName</c> of Beacon's GatewayClasses (the gateway translator's <c>ControllerName</c>).</summary>
    public const string GatewayControllerName = GatewayApiGroup.BeaconControllerName;

    public const string RequestAnnotation = "beacon.dev/ip";

    /// <summary>Condition type on Services.</summary>
    public const string AllocatedCondition = "beacon.dev/IPAllocated";

    /// <summary>Condition type on pools: True when a family of the pool has no free address.</summary>
    public const string ExhaustedCondition = "IPsExhausted";

    /// <summary>Condition type on pools: True when the pool's blocks overlap an older pool's.</summary>
    public const string ConflictCondition = "Conflict";

    public static bool IsManaged(V1Service service) =>
        service.Spec?.Type == "LoadBalancer"
        && (string.IsNullOrEmpty(service.Spec.LoadBalancerClass) || service.Spec.LoadBalancerClass == BeaconLoadBalancerClass);

    public static AllocationPlan Plan(ClusterSnapshot snapshot)
    {
        var events = new List<AllocationEvent>();
        var pools = BuildPools(snapshot, events);
        var book = new AddressBook();
        var services = snapshot.Services.Values
            .Where(IsManaged)
            .Select(s => new ServiceWork(s, events))
            .OrderBy(w => w.Created)
            .ThenBy(w => w.Key, StringComparer.Ordinal)
            .ToList();

        var gateways = snapshot.Gateways.Values
            .Where(g => IsBeaconGateway(g, snapshot))
            .Select(g => new GatewayWork(g))
            .OrderBy(w => w.Created)
            .ThenBy(w => w.Key, StringComparer.Ordinal)
            .ToList();

        foreach (var work in gateways)
        {
            Reserve(work, pools, book);
        }

        foreach (var work in services)
        {
            KeepExisting(work, pools, book, events);
        }

        foreach (var work in gateways)
        {
            KeepExisting(work, pools, book, events);
        }

        foreach (var work in services)
        {
            Complete(work, pools, book, events);
        }

        foreach (var work in gateways)
        {
            Complete(work, pools, book, events);
        }

        var allocations = services
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => w.ToAllocation())
            .ToImmutableArray();
        var gatewayAllocations = gateways
            .Where(w => w.WantsAssigned)
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new GatewayAllocation(w.Reference.Namespace!, w.Reference.Name, w.Holding is { } h ? [h.Address] : []))
            .ToImmutableArray();
        var poolStatus = pools.Select(p => p.ToStatus(book)).ToImmutableArray();
        return new AllocationPlan(allocations, poolStatus, [.. events]) { Gateways = gatewayAllocations };
    }

    /// <summary>Whether the Gateway's class is one of Beacon's.</summary>
    public static bool IsBeaconGateway(Gateway gateway, ClusterSnapshot snapshot) =>
        gateway.Spec.GatewayClassName is { } className
        && snapshot.GatewayClasses.GetValueOrDefault(className)?.Spec.ControllerName == GatewayControllerName;

    private static void Reserve(GatewayWork work, List<Pool> pools, AddressBook book)
    {
        foreach (var address in work.Static)
        {
            var family = IpAddresses.FamilyOf(address);
            var number = IpAddresses.ToNumber(address);
            if (pools.Any(p => p.Holds(family, number)) && book.OwnerOf(family, number) is null)
            {
                book.Take(family, number, work.Owner with { Reserved = true });
            }
        }
    }

    private static void KeepExisting(GatewayWork work, List<Pool> pools, AddressBook book, List<AllocationEvent> events)
    {
        if (!work.WantsAssigned)
        {
            return;
        }

        var addresses = work.Gateway.Status?.Addresses ?? [];
        for (var i = 0; i < addresses.Count; i++)
        {
            if ((addresses[i].Type ?? GatewayAddressTypes.IPAddress) != GatewayAddressTypes.IPAddress || string.IsNullOrEmpty(addresses[i].Value))
            {
                continue;
            }

            var text = addresses[i].Value!;
            string why;
            if (!ObjectValidator.TryParseIp(text, out var address))
            {
                why = $"'{text}' is not an IP address";
            }
            else if (work.Static.Contains(address))
            {
                continue;
            }
            else
            {
                var family = IpAddresses.FamilyOf(address);
                var number = IpAddresses.ToNumber(address);
                if (work.Holding is not null)
                {
                    why = $"{address} is a second assigned address; a Gateway gets one";
                }
                else if (pools.FirstOrDefault(p => p.Selects(work.Gateway.Metadata?.Labels) && p.Holds(family, number)) is not { } pool)
                {
                    why = $"{address} is in no {LoadBalancerIpPool.KindName} that selects this Gateway (spec.serviceSelector against its labels)";
                }
                else if (book.OwnerOf(family, number) is { } owner)
                {
                    why = $"{address} is {owner.Describe()}";
                }
                else
                {
                    book.Take(family, number, work.Owner);
                    work.Holding = new Holding(address, pool.Name, New: false);
                    continue;
                }
            }

            events.Add(new(AllocationEvent.Warning, "IPReleased", work.Reference, $"status.addresses[{i}].value", why));
        }
    }

    private static void Complete(GatewayWork work, List<Pool> pools, AddressBook book, List<AllocationEvent> events)
    {
        if (!work.WantsAssigned || work.Holding is not null)
        {
            return;
        }

        var selecting = pools.Where(p => p.Selects(work.Gateway.Metadata?.Labels)).ToList();
        if (selecting.Count == 0)
        {
            events.Add(new(AllocationEvent.Warning, "AllocationFailed", work.Reference, "metadata.labels", $"no {LoadBalancerIpPool.KindName} selects this Gateway (spec.serviceSelector against its labels)"));
            return;
        }

        var active = selecting.Where(p => p.Allocates).ToList();
        if (active.Count == 0)
        {
            events.Add(new(AllocationEvent.Warning, "AllocationFailed", work.Reference, string.Empty, $"every {LoadBalancerIpPool.KindName} that selects this Gateway makes no new allocations: {string.Join(", ", selecting.Select(p => $"{p.Name} ({p.Why})"))}"));
            return;
        }

        foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
        {
            foreach (var pool in active.Where(p => p.Serves(family)))
            {
                if (pool.TryFindFree(family, book, out var free))
                {
                    book.Take(family, free, work.Owner);
                    work.Holding = new Holding(IpAddresses.ToAddress(family, free), pool.Name, New: true);
                    events.Add(new(AllocationEvent.Normal, "IPAllocated", work.Reference, "status.addresses", $"{work.Holding.Address} from {LoadBalancerIpPool.KindName} {pool.Name}"));
                    return;
                }
            }
        }

        events.Add(new(AllocationEvent.Warning, "AllocationFailed", work.Reference, string.Empty, $"no free address in {LoadBalancerIpPool.KindName} {string.Join(", ", active.Select(p => p.Name))}"));
    }

    private static List<Pool> BuildPools(ClusterSnapshot snapshot, List<AllocationEvent> events)
    {
        var pools = snapshot.IpPools.Values.Select(p => new Pool(p)).ToList();

        // The younger of two overlapping pools is the one in conflict, so that creating a pool
        // cannot take addresses away from one that was there first.
        var byAge = pools
            .OrderBy(p => p.Object.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < byAge.Count; i++)
        {
            var pool = byAge[i];
            foreach (var (index, range) in pool.Blocks)
            {
                var clash = byAge.Take(i)
                    .Where(older => older.Conflict is null)
                    .SelectMany(older => older.Blocks.Select(b => (Pool: older, b.Index, b.Full)))
                    .FirstOrDefault(other => other.Full.Overlaps(range));
                if (clash.Pool is not null)
                {
                    pool.Conflict = $"spec.blocks[{index}] ({range}) overlaps spec.blocks[{clash.Index}] ({clash.Full}) of the older {LoadBalancerIpPool.KindName} {clash.Pool.Name}; no new addresses are allocated from this pool";
                    events.Add(new(AllocationEvent.Warning, "IPConflict", pool.Reference, $"spec.blocks[{index}]", pool.Conflict));
                    break;
                }
            }
        }

        return pools;
    }

    private static void KeepExisting(ServiceWork work, List<Pool> pools, AddressBook book, List<AllocationEvent> events)
    {
        if (work.RequestError is not null)
        {
            return;
        }

        var ingress = work.Service.Status?.LoadBalancer?.Ingress ?? [];
        for (var i = 0; i < ingress.Count; i++)
        {
            var text = ingress[i]?.Ip;
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            string why;
            if (!ObjectValidator.TryParseIp(text, out var address))
            {
                why = $"'{text}' is not an IP address";
            }
            else
            {
                var family = IpAddresses.FamilyOf(address);
                var number = IpAddresses.ToNumber(address);
                if (!work.Families.Contains(family))
                {
                    why = $"{address} is {family} but the Service asks for {string.Join(" and ", work.Families)} (spec.ipFamilies, spec.ipFamilyPolicy)";
                }
                else if (work.Holdings.ContainsKey(family))
                {
                    why = $"{address} is a second {family} address; a Service gets one per family";
                }
                else if (work.Requested.TryGetValue(family, out var requested) && !requested.Equals(address))
                {
                    why = $"{address} is not the requested {requested} ({work.RequestField})";
                }
                else if (pools.FirstOrDefault(p => p.Selects(work.Service) && p.Holds(family, number)) is not { } pool)
                {
                    why = NotInPool(pools, work, address);
                    if (!pools.Any(p => p.Blocks.Any(b => b.Full.Contains(family, number))))
                    {
                        why += " (its pool was deleted or its blocks changed)";
                    }
                }
                else if (book.OwnerOf(family, number) is { } owner)
                {
                    why = $"{address} is {owner.Describe()}";
                }
                else
                {
                    book.Take(family, number, work.Owner);
                    work.Holdings[family] = new Holding(address, pool.Name, New: false);
                    continue;
                }
            }

            events.Add(new(AllocationEvent.Warning, "IPReleased", work.Reference, $"status.loadBalancer.ingress[{i}].ip", why));
        }
    }

    private static void Complete(ServiceWork work, List<Pool> pools, AddressBook book, List<AllocationEvent> events)
    {
        if (work.RequestError is { } error)
        {
            Fail(work, book, events, [new("AllocationFailed", work.RequestField, error)]);
            return;
        }

        var failures = new List<Failure>();
        var notes = new List<string>();
        var requestFailed = false;
        foreach (var family in work.Families.Where(f => !work.Holdings.ContainsKey(f)))
        {
            if (work.Requested.TryGetValue(family, out var requested))
            {
                if (TakeRequested(work, requested, pools, book) is { } failure)
                {
                    failures.Add(failure);
                    requestFailed = true;
                }

                continue;
            }

            var selecting = pools.Where(p => p.Selects(work.Service)).ToList();
            var serving = selecting.Where(p => p.Serves(family)).ToList();
            if (serving.Count == 0)
            {
                var message = selecting.Count == 0
                    ? $"no {LoadBalancerIpPool.KindName} selects this Service (by its labels)"
                    : $"no {LoadBalancerIpPool.KindName} that selects this Service has {family} addresses";
                var field = selecting.Count == 0 ? "metadata.labels" : "spec.ipFamilies";
                if (work.Policy == "PreferDualStack")
                {
                    notes.Add($"{family}: {message}");
                }
                else
                {
                    failures.Add(new("AllocationFailed", field, message));
                }

                continue;
            }

            var active = serving.Where(p => p.Allocates).ToList();
            if (active.Count == 0)
            {
                failures.Add(new("AllocationFailed", string.Empty, $"every {LoadBalancerIpPool.KindName} that selects this Service for {family} makes no new allocations: {string.Join(", ", serving.Select(p => $"{p.Name} ({p.Why})"))}"));
                continue;
            }

            var found = false;
            foreach (var pool in active)
            {
                if (pool.TryFindFree(family, book, out var free))
                {
                    book.Take(family, free, work.Owner);
                    work.Holdings[family] = new Holding(IpAddresses.ToAddress(family, free), pool.Name, New: true);
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                foreach (var pool in active)
                {
                    pool.Waiting++;
                }

                failures.Add(new("PoolExhausted", string.Empty, $"no free {family} address in {LoadBalancerIpPool.KindName} {string.Join(", ", active.Select(p => p.Name))}"));
            }
        }

        var ok = work.Policy switch
        {
            _ when requestFailed => false,
            "RequireDualStack" => work.Families.All(work.Holdings.ContainsKey),
            "PreferDualStack" => work.Holdings.Count > 0,
            _ => work.Holdings.ContainsKey(work.Families[0]),
        };

        if (!ok)
        {
            if (work.Policy == "RequireDualStack" && !requestFailed)
            {
                failures.Add(new("AllocationFailed", "spec.ipFamilyPolicy", "RequireDualStack needs an IPv4 and an IPv6 address; the Service gets neither until both are available"));
            }

            if (failures.Count == 0)
            {
                failures.Add(new("AllocationFailed", "metadata.labels", string.Join("; ", notes)));
            }

            Fail(work, book, events, failures);
            return;
        }

        foreach (var failure in failures)
        {
            events.Add(new(AllocationEvent.Warning, failure.Reason, work.Reference, failure.Field, failure.Message));
            notes.Add(failure.Message);
        }

        foreach (var family in work.Families)
        {
            if (work.Holdings.TryGetValue(family, out var holding) && holding.New)
            {
                var how = work.Requested.ContainsKey(family) ? $", as requested by {work.RequestField}" : string.Empty;
                events.Add(new(AllocationEvent.Normal, "IPAllocated", work.Reference, "status.loadBalancer.ingress", $"{holding.Address} from {LoadBalancerIpPool.KindName} {holding.Pool}{how}"));
            }
        }

        var held = string.Join(", ", work.Families.Where(work.Holdings.ContainsKey).Select(f => $"{work.Holdings[f].Address} from {work.Holdings[f].Pool}"));
        work.Condition = new(AllocatedCondition, true, "Allocated", notes.Count == 0 ? held : $"{held}; {string.Join("; ", notes)}");
    }

    private static Failure? TakeRequested(ServiceWork work, IPAddress requested, List<Pool> pools, AddressBook book)
    {
        var family = IpAddresses.FamilyOf(requested);
        var number = IpAddresses.ToNumber(requested);
        var holding = pools.Where(p => p.Selects(work.Service) && p.Holds(family, number)).ToList();
        if (holding.Count == 0)
        {
            return new("AllocationFailed", work.RequestField, $"requested {NotInPool(pools, work, requested)}");
        }

        if (holding.FirstOrDefault(p => p.Allocates) is not { } pool)
        {
            return new("AllocationFailed", work.RequestField, $"requested {requested} is in {string.Join(", ", holding.Select(p => $"{LoadBalancerIpPool.KindName} {p.Name} ({p.Why})"))}");
        }

        if (book.OwnerOf(family, number) is { } owner)
        {
            return new("IPConflict", work.RequestField, $"requested {requested} is in use by {owner.Kind} {owner.Key}{(owner.Reserved ? " (its spec.addresses)" : string.Empty)}");
        }

        book.Take(family, number, work.Owner);
        work.Holdings[family] = new Holding(requested, pool.Name, New: true);
        return null;
    }

    private static string NotInPool(List<Pool> pools, ServiceWork work, IPAddress address)
    {
        var family = IpAddresses.FamilyOf(address);
        var number = IpAddresses.ToNumber(address);
        var containing = pools.Where(p => p.Blocks.Any(b => b.Full.Contains(family, number))).ToList();
        if (containing.Count == 0)
        {
            return $"{address} is in no {LoadBalancerIpPool.KindName}";
        }

        if (containing.FirstOrDefault(p => p.Selects(work.Service)) is { } pool)
        {
            return $"{address} is the first or last address of a CIDR block of {LoadBalancerIpPool.KindName} {pool.Name}, which keeps them back (spec.allowFirstLastIPs is false)";
        }

        return $"{address} is in {LoadBalancerIpPool.KindName} {string.Join(", ", containing.Select(p => p.Name))}, whose spec.serviceSelector does not select this Service";
    }

    private static void Fail(ServiceWork work, AddressBook book, List<AllocationEvent> events, List<Failure> failures)
    {
        foreach (var (family, holding) in work.Holdings)
        {
            book.Release(family, IpAddresses.ToNumber(holding.Address));
        }

        work.Holdings.Clear();
        foreach (var failure in failures)
        {
            events.Add(new(AllocationEvent.Warning, failure.Reason, work.Reference, failure.Field, failure.Message));
        }

        work.Condition = new(AllocatedCondition, false, failures[0].Reason, string.Join("; ", failures.Select(f => f.Field.Length == 0 ? f.Message : $"{f.Field}: {f.Message}")));
    }

    private sealed record Failure(string Reason, string Field, string Message);

    private sealed record Holding(IPAddress Address, string Pool, bool New);

    /// <summary>Who holds an address in the book; <paramref name="Reserved"/> for a Gateway's <c>spec.addresses</c>.</summary>
    private sealed record Owner(string Kind, string Key, bool Reserved)
    {
        // Owners are visited oldest first within a kind; Services before Gateways.
        public string Describe() => Reserved
            ? $"reserved by {Kind} {Key} in its spec.addresses"
            : Kind == "Service" ? $"held by the older Service {Key}" : $"held by {Kind} {Key}";
    }

    private sealed class GatewayWork
    {
        public GatewayWork(Gateway gateway)
        {
            Gateway = gateway;
            Key = ClusterSnapshot.KeyOf(gateway);
            Reference = new(Gateway.KindName, gateway.Metadata?.NamespaceProperty ?? "default", gateway.Metadata?.Name ?? string.Empty);
            Owner = new(Gateway.KindName, Key, Reserved: false);
            Created = gateway.Metadata?.CreationTimestamp ?? DateTime.MinValue;
            var spec = gateway.Spec.Addresses ?? [];
            WantsAssigned = spec.Count == 0;
            foreach (var entry in spec.Where(a => (a.Type ?? GatewayAddressTypes.IPAddress) == GatewayAddressTypes.IPAddress))
            {
                if (string.IsNullOrEmpty(entry.Value))
                {
                    WantsAssigned = true;
                }
                else if (ObjectValidator.TryParseIp(entry.Value, out var address))
                {
                    Static.Add(address);
                }
            }
        }

        public Gateway Gateway { get; }

        public string Key { get; }

        public ObjectReference Reference { get; }

        public Owner Owner { get; }

        public DateTime Created { get; }

        /// <summary>The IP literals of spec.addresses.</summary>
        public List<IPAddress> Static { get; } = [];

        public bool WantsAssigned { get; }

        public Holding? Holding { get; set; }
    }

    private sealed class ServiceWork
    {
        public ServiceWork(V1Service service, List<AllocationEvent> events)
        {
            Service = service;
            Key = ClusterSnapshot.KeyOf(service);
            Reference = new("Service", service.Metadata?.NamespaceProperty ?? "default", service.Metadata?.Name ?? string.Empty);
            Owner = new("Service", Key, Reserved: false);
            Created = service.Metadata?.CreationTimestamp ?? DateTime.MinValue;
            (Families, Policy) = ReadFamilies(service.Spec!);
            Condition = new(AllocatedCondition, false, "Pending", string.Empty);
            ReadRequest(events);
        }

        public V1Service Service { get; }

        public string Key { get; }

        public ObjectReference Reference { get; }

        public Owner Owner { get; }

        public DateTime Created { get; }

        public IReadOnlyList<IpFamily> Families { get; }

        public string Policy { get; }

        public Dictionary<IpFamily, IPAddress> Requested { get; } = [];

        public string RequestField { get; private set; } = string.Empty;

        public string? RequestError { get; private set; }

        public SortedDictionary<IpFamily, Holding> Holdings { get; } = [];

        public AllocationCondition Condition { get; set; }

        public ServiceAllocation ToAllocation()
        {
            var addresses = Families.Where(Holdings.ContainsKey).Select(f => Holdings[f].Address).ToImmutableArray();
            var current = (Service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i?.Ip).ToList();
            var changed = !current.SequenceEqual(addresses.Select(a => (string?)a.ToString()));
            return new(Reference.Namespace!, Reference.Name, addresses, changed, Condition);
        }

        private static (IReadOnlyList<IpFamily>, string) ReadFamilies(V1ServiceSpec spec)
        {
            // Entries other than IPv4/IPv6 are rejected by the API server; ignoring them here
            // keeps a hand-written manifest from failing the whole plan.
            var listed = (spec.IpFamilies ?? [])
                .Select(f => f switch { "IPv4" => (IpFamily?)IpFamily.IPv4, "IPv6" => IpFamily.IPv6, _ => null })
                .OfType<IpFamily>()
                .Distinct()
                .ToList();
            if (listed.Count == 0)
            {
                listed.Add(IpFamily.IPv4);
            }

            var policy = spec.IpFamilyPolicy is "PreferDualStack" or "RequireDualStack" ? spec.IpFamilyPolicy : "SingleStack";
            if (policy == "SingleStack")
            {
                return ([listed[0]], policy);
            }

            foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 }.Where(f => !listed.Contains(f)))
            {
                listed.Add(family);
            }

            return (listed, policy);
        }

        private void ReadRequest(List<AllocationEvent> events)
        {
            var loadBalancerIp = Service.Spec?.LoadBalancerIP;
            string[] entries;
            if (Service.Metadata?.Annotations?.TryGetValue(RequestAnnotation, out var text) == true && !string.IsNullOrWhiteSpace(text))
            {
                RequestField = $"metadata.annotations[{RequestAnnotation}]";
                entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (!string.IsNullOrEmpty(loadBalancerIp))
                {
                    events.Add(new(AllocationEvent.Warning, "RequestIgnored", Reference, "spec.loadBalancerIP", $"ignored: the annotation {RequestAnnotation} takes precedence"));
                }
            }
            else if (!string.IsNullOrEmpty(loadBalancerIp))
            {
                RequestField = "spec.loadBalancerIP";
                entries = [loadBalancerIp];
            }
            else
            {
                return;
            }

            foreach (var entry in entries)
            {
                if (!ObjectValidator.TryParseIp(entry, out var address))
                {
                    RequestError = $"'{entry}' is not an IP address";
                    return;
                }

                var family = IpAddresses.FamilyOf(address);
                if (!Requested.TryAdd(family, address))
                {
                    RequestError = $"{Requested[family]} and {address} are both {family}; one address per family";
                    return;
                }

                if (!Families.Contains(family))
                {
                    RequestError = $"{address} is {family} but the Service asks for {string.Join(" and ", Families)} (spec.ipFamilies, spec.ipFamilyPolicy)";
                    return;
                }
            }
        }
    }

    private sealed class Pool
    {
        private readonly Dictionary<IpFamily, RangeSet> _ranges;

        private readonly Dictionary<IpFamily, (int Releases, UInt128 From)> _searchFrom = [];

        public Pool(LoadBalancerIpPool pool)
        {
            Object = pool;
            Name = pool.Metadata?.Name ?? string.Empty;
            Reference = new(LoadBalancerIpPool.KindName, null, Name);
            Disabled = pool.Spec?.Disabled == true;
            var allowFirstLast = pool.Spec?.AllowFirstLastIPs == true;
            var usable = new List<AddressRange>();
            var blocks = pool.Spec?.Blocks ?? [];
            for (var i = 0; i < blocks.Count; i++)
            {
                // ObjectValidator reports a block that does not parse where the pool is read;
                // what is left of the pool still works.
                if (blocks[i] is { } block && AddressRange.TryParse(block, allowFirstLast, out var full, out var range))
                {
                    Blocks.Add((i, full));
                    usable.Add(range);
                }
            }

            _ranges = Blocks.Select(b => b.Full.Family).Distinct().ToDictionary(f => f, f => new RangeSet(f, usable));
        }

        public LoadBalancerIpPool Object { get; }

        public string Name { get; }

        public ObjectReference Reference { get; }

        public bool Disabled { get; }

        public string? Conflict { get; set; }

        public List<(int Index, AddressRange Full)> Blocks { get; } = [];

        /// <summary>Services that found no free address here.</summary>
        public int Waiting { get; set; }

        public bool Allocates => !Disabled && Conflict is null;

        public string Why => Disabled ? "spec.disabled is true" : "its blocks conflict with an older pool";

        public bool Selects(V1Service service) => Selects(service.Metadata?.Labels);

        public bool Selects(IDictionary<string, string>? labels) =>
            Object.Spec?.ServiceSelector is not { } selector || LabelSelectors.Matches(selector, labels);

        public RangeSet? Ranges(IpFamily family) => _ranges.GetValueOrDefault(family);

        public bool Serves(IpFamily family) => Ranges(family) is { IsEmpty: false };

        public bool Holds(IpFamily family, UInt128 address) => Ranges(family)?.Contains(address) == true;

        /// <summary>
        /// The pool's lowest free address. Every address of the pool below the last one found
        /// is known to be used until something is released, so a burst of new Services does
        /// not rescan the same used addresses for each one.
        /// </summary>
        public bool TryFindFree(IpFamily family, AddressBook book, out UInt128 free)
        {
            var from = _searchFrom.TryGetValue(family, out var mark) && mark.Releases == book.Releases ? mark.From : UInt128.Zero;
            if (!Ranges(family)!.TryFindFree(book.Used(family), out free, from))
            {
                return false;
            }

            _searchFrom[family] = (book.Releases, free);
            return true;
        }

        public PoolStatusPlan ToStatus(AddressBook book)
        {
            var counts = new[] { IpFamily.IPv4, IpFamily.IPv6 }
                .Where(_ranges.ContainsKey)
                .Select(f => new FamilyCounts(f, _ranges[f].Count, _ranges[f].CountUsed(book.Used(f))))
                .ToImmutableArray();
            var full = counts.Where(c => c.Total > 0 && c.Available == 0).ToList();
            var summary = string.Join(", ", counts.Select(c => $"{c.Family}: {c.Available.ToString(CultureInfo.InvariantCulture)} of {c.Total.ToString(CultureInfo.InvariantCulture)} free"));
            var waiting = Waiting == 0 ? string.Empty : $"; {Waiting} Service address(es) could not be allocated";
            var exhausted = full.Count > 0
                ? new AllocationCondition(ExhaustedCondition, true, "NoFreeAddresses", $"no free {string.Join(" or ", full.Select(c => c.Family))} address ({summary}){waiting}")
                : new AllocationCondition(ExhaustedCondition, false, "FreeAddresses", summary);
            var conflict = Conflict is null
                ? new AllocationCondition(ConflictCondition, false, "NoConflict", "no block overlaps another pool")
                : new AllocationCondition(ConflictCondition, true, "OverlappingBlocks", Conflict);
            return new(Name, counts, [exhausted, conflict]);
        }
    }

    private sealed class AddressBook
    {
        private readonly Dictionary<IpFamily, SortedSet<UInt128>> _used = new()
        {
            [IpFamily.IPv4] = [],
            [IpFamily.IPv6] = [],
        };

        private readonly Dictionary<(IpFamily, UInt128), Owner> _owners = [];

        public SortedSet<UInt128> Used(IpFamily family) => _used[family];

        public Owner? OwnerOf(IpFamily family, UInt128 address) => _owners.GetValueOrDefault((family, address));

        public void Take(IpFamily family, UInt128 address, Owner owner)
        {
            _used[family].Add(address);
            _owners[(family, address)] = owner;
        }

        /// <summary>How many addresses were given back; a release can open a hole below a pool's search mark.</summary>
        public int Releases { get; private set; }

        public void Release(IpFamily family, UInt128 address)
        {
            Releases++;
            _used[family].Remove(address);
            _owners.Remove((family, address));
        }
    }
}

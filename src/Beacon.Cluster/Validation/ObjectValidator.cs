using System.Net;
using System.Net.Sockets;
using Beacon.Cluster.Model;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Validation;

/// <summary>
/// Checks every field of Beacon's objects as the CRD schema and the RFCs constrain it, so
/// that an invalid object is rejected where it is read, with the field named, instead of
/// being half-used later.
/// </summary>
public static class ObjectValidator
{
    private const long MaxAsn = uint.MaxValue;

    public static IReadOnlyList<FieldError> Validate(IKubernetesObject<V1ObjectMeta> obj)
    {
        var errors = new List<FieldError>();
        ValidateMetadata(obj, errors);
        switch (obj)
        {
            case BgpClusterConfig c:
                ValidateClusterConfig(c.Spec, errors);
                break;
            case BgpPeerConfig p:
                ValidatePeerConfig(p.Spec, errors);
                break;
            case BgpAdvertisement a:
                ValidateAdvertisement(a.Spec, errors);
                break;
            case LoadBalancerIpPool pool:
                ValidatePool(pool.Spec, errors);
                break;
        }

        return errors;
    }

    private static void ValidateMetadata(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(obj.Metadata?.Name))
        {
            errors.Add(new("metadata.name", "required"));
        }

        if (!KnownKinds.IsNamespaced(obj.GetType()) && !string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty))
        {
            errors.Add(new("metadata.namespace", $"{obj.Kind} is cluster-scoped and takes no namespace"));
        }
    }

    private static void ValidateClusterConfig(BgpClusterConfigSpec? spec, List<FieldError> errors)
    {
        if (spec is null)
        {
            errors.Add(new("spec", "required"));
            return;
        }

        ValidateSelector(spec.NodeSelector, "spec.nodeSelector", errors);
        if (spec.LocalASN is null)
        {
            errors.Add(new("spec.localASN", "required"));
        }
        else if (spec.LocalASN is < 1 or > MaxAsn)
        {
            errors.Add(new("spec.localASN", $"{spec.LocalASN} is not an AS number (1..4294967295)"));
        }

        if (spec.LocalPort is < 0 or > 65535)
        {
            errors.Add(new("spec.localPort", $"{spec.LocalPort} is not a port (0..65535; 0 = do not listen)"));
        }

        if (spec.RouterID is not null)
        {
            // RFC 6286 §2.1: a non-zero 32-bit number, written as an IPv4 address.
            if (!TryParseIp(spec.RouterID, out var id) || id.AddressFamily != AddressFamily.InterNetwork)
            {
                errors.Add(new("spec.routerID", $"'{spec.RouterID}' is not an IPv4 address"));
            }
            else if (id.Equals(IPAddress.Any))
            {
                errors.Add(new("spec.routerID", "must not be 0.0.0.0 (RFC 6286)"));
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress>();
        for (var i = 0; i < (spec.Peers?.Count ?? 0); i++)
        {
            var peer = spec.Peers![i];
            var path = $"spec.peers[{i}]";
            if (peer is null)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            if (string.IsNullOrEmpty(peer.Name))
            {
                errors.Add(new($"{path}.name", "required"));
            }
            else if (!names.Add(peer.Name))
            {
                errors.Add(new($"{path}.name", $"duplicate peer name '{peer.Name}'"));
            }

            if (peer.PeerAddress is null)
            {
                errors.Add(new($"{path}.peerAddress", "required"));
            }
            else if (!TryParseIp(peer.PeerAddress, out var address))
            {
                errors.Add(new($"{path}.peerAddress", $"'{peer.PeerAddress}' is not an IP address"));
            }
            else if (!addresses.Add(address))
            {
                errors.Add(new($"{path}.peerAddress", $"duplicate peer address {address}"));
            }

            if (peer.PeerASN is < 0 or > MaxAsn)
            {
                errors.Add(new($"{path}.peerASN", $"{peer.PeerASN} is not an AS number (0..4294967295; 0 = any)"));
            }

            if (peer.PeerConfigRef is not null && string.IsNullOrEmpty(peer.PeerConfigRef.Name))
            {
                errors.Add(new($"{path}.peerConfigRef.name", "required"));
            }
        }
    }

    private static void ValidatePeerConfig(BgpPeerConfigSpec? spec, List<FieldError> errors)
    {
        if (spec is null)
        {
            errors.Add(new("spec", "required"));
            return;
        }

        if (spec.Transport is { } transport)
        {
            if (transport.PeerPort is < 1 or > 65535)
            {
                errors.Add(new("spec.transport.peerPort", $"{transport.PeerPort} is not a port (1..65535)"));
            }

            if (transport.LocalAddress is not null && !TryParseIp(transport.LocalAddress, out _))
            {
                errors.Add(new("spec.transport.localAddress", $"'{transport.LocalAddress}' is not an IP address"));
            }
        }

        if (spec.Timers is { } timers)
        {
            // RFC 4271 §4.2: hold time is zero or at least three seconds, in 16 bits.
            var hold = timers.HoldTimeSeconds ?? PeerDefaults.HoldTimeSeconds;
            if (timers.HoldTimeSeconds is not null && hold is not (0 or (>= 3 and <= 65535)))
            {
                errors.Add(new("spec.timers.holdTimeSeconds", $"{hold} must be 0 or 3..65535"));
            }

            var keepalive = timers.KeepaliveTimeSeconds ?? PeerDefaults.KeepaliveFor(hold);
            var keepaliveText = timers.KeepaliveTimeSeconds is null ? $"{keepalive} (the default)" : $"{keepalive}";
            if (hold == 0)
            {
                if (timers.KeepaliveTimeSeconds is not (null or 0))
                {
                    errors.Add(new("spec.timers.keepaliveTimeSeconds", "must be 0 or absent when holdTimeSeconds is 0 (no keepalives are sent)"));
                }
            }
            else if (keepalive < 1 || keepalive >= hold)
            {
                errors.Add(new("spec.timers.keepaliveTimeSeconds", $"{keepaliveText} must be at least 1 and less than holdTimeSeconds ({hold})"));
            }

            if (timers.ConnectRetryTimeSeconds is < 1 or > 65535)
            {
                errors.Add(new("spec.timers.connectRetryTimeSeconds", $"{timers.ConnectRetryTimeSeconds} must be 1..65535"));
            }
        }

        if (spec.AuthSecretRef is { } secret)
        {
            if (string.IsNullOrEmpty(secret.Name))
            {
                errors.Add(new("spec.authSecretRef.name", "required"));
            }

            if (string.IsNullOrEmpty(secret.Namespace))
            {
                errors.Add(new("spec.authSecretRef.namespace", "required (BGPPeerConfig is cluster-scoped)"));
            }
        }

        if (spec.EbgpMultihop is < 1 or > 255)
        {
            errors.Add(new("spec.ebgpMultihop", $"{spec.EbgpMultihop} is not a TTL (1..255)"));
        }

        // GTSM sends TTL 255 and fixes the accepted TTL; a multihop TTL contradicts it (FRR and GoBGP refuse both too).
        if (spec.TtlSecurity is true && spec.EbgpMultihop is > 1)
        {
            errors.Add(new("spec.ttlSecurity", $"cannot be combined with ebgpMultihop {spec.EbgpMultihop}: GTSM (RFC 5082) sends TTL 255 and accepts only directly connected peers"));
        }

        // RFC 4724 §3: Restart Time is a 12-bit field.
        if (spec.GracefulRestart?.RestartTimeSeconds is < 1 or > 4095)
        {
            errors.Add(new("spec.gracefulRestart.restartTimeSeconds", $"{spec.GracefulRestart.RestartTimeSeconds} must be 1..4095"));
        }

        if (spec.BfdProfileRef is { Length: 0 })
        {
            errors.Add(new("spec.bfdProfileRef", "must not be empty"));
        }

        if (spec.MaxPrefixes is < 1 or > uint.MaxValue)
        {
            errors.Add(new("spec.maxPrefixes", $"{spec.MaxPrefixes} must be 1..4294967295"));
        }

        var families = new HashSet<(string, string)>();
        for (var i = 0; i < (spec.Families?.Count ?? 0); i++)
        {
            var family = spec.Families![i];
            var path = $"spec.families[{i}]";
            if (family is null)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            if (family.Afi is not ("ipv4" or "ipv6"))
            {
                errors.Add(new($"{path}.afi", family.Afi is null ? "required (ipv4 or ipv6)" : $"'{family.Afi}' is not ipv4 or ipv6"));
            }

            if (family.Safi is not "unicast")
            {
                errors.Add(new($"{path}.safi", family.Safi is null ? "required (unicast)" : $"'{family.Safi}' is not supported (unicast)"));
            }
            else if (family.Afi is not null && !families.Add((family.Afi, family.Safi)))
            {
                errors.Add(new(path, $"duplicate family {family.Afi}/{family.Safi}"));
            }

            ValidateSelector(family.Advertisements, $"{path}.advertisements", errors);
        }
    }

    private static void ValidateAdvertisement(BgpAdvertisementSpec? spec, List<FieldError> errors)
    {
        if (spec?.Advertisements is not { Count: > 0 } entries)
        {
            errors.Add(new("spec.advertisements", "at least one advertisement is required"));
            return;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var path = $"spec.advertisements[{i}]";
            if (entry is null)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            switch (entry.Type)
            {
                case AdvertisementTypes.Service:
                    ValidateServiceAdvertisement(entry.Service, $"{path}.service", errors);
                    break;
                case AdvertisementTypes.PodCidr:
                    if (entry.Service is not null)
                    {
                        errors.Add(new($"{path}.service", "only allowed with type Service"));
                    }

                    break;
                case null:
                    errors.Add(new($"{path}.type", "required (Service or PodCIDR)"));
                    break;
                default:
                    errors.Add(new($"{path}.type", $"'{entry.Type}' is not Service or PodCIDR"));
                    break;
            }

            ValidateSelector(entry.Selector, $"{path}.selector", errors);
            ValidateAttributes(entry.Attributes, $"{path}.attributes", errors);
        }
    }

    private static void ValidateServiceAdvertisement(ServiceAdvertisement? service, string path, List<FieldError> errors)
    {
        if (service?.Addresses is not { Count: > 0 } addresses)
        {
            errors.Add(new($"{path}.addresses", "required for type Service (LoadBalancerIP, ExternalIP, ClusterIP)"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] is not (ServiceAddressKinds.LoadBalancerIp or ServiceAddressKinds.ExternalIp or ServiceAddressKinds.ClusterIp))
            {
                errors.Add(new($"{path}.addresses[{i}]", $"'{addresses[i]}' is not LoadBalancerIP, ExternalIP or ClusterIP"));
            }
            else if (!seen.Add(addresses[i]))
            {
                errors.Add(new($"{path}.addresses[{i}]", $"duplicate '{addresses[i]}'"));
            }
        }

        if (service.AggregationLengthIPv4 is < 0 or > 32)
        {
            errors.Add(new($"{path}.aggregationLengthIPv4", $"{service.AggregationLengthIPv4} must be 0..32"));
        }

        if (service.AggregationLengthIPv6 is < 0 or > 128)
        {
            errors.Add(new($"{path}.aggregationLengthIPv6", $"{service.AggregationLengthIPv6} must be 0..128"));
        }
    }

    private static void ValidateAttributes(RouteAttributesSpec? attributes, string path, List<FieldError> errors)
    {
        if (attributes is null)
        {
            return;
        }

        var communities = attributes.Communities;
        for (var i = 0; i < (communities?.Standard?.Count ?? 0); i++)
        {
            var text = communities!.Standard![i];
            if (!CommunityText.TryParseStandard(text, out _))
            {
                errors.Add(new($"{path}.communities.standard[{i}]", $"'{text}' is not a community (a:b with 0..65535 each, or {WellKnownNames})"));
            }
        }

        for (var i = 0; i < (communities?.Large?.Count ?? 0); i++)
        {
            var text = communities!.Large![i];
            if (!CommunityText.TryParseLarge(text, out _, out _, out _))
            {
                errors.Add(new($"{path}.communities.large[{i}]", $"'{text}' is not a large community (a:b:c with 0..4294967295 each)"));
            }
        }

        for (var i = 0; i < (communities?.WellKnown?.Count ?? 0); i++)
        {
            var text = communities!.WellKnown![i];
            if (text is null || !CommunityText.WellKnown.ContainsKey(text))
            {
                errors.Add(new($"{path}.communities.wellKnown[{i}]", $"'{text}' is not a well-known community ({WellKnownNames})"));
            }
        }

        if (attributes.LocalPreference is < 0 or > uint.MaxValue)
        {
            errors.Add(new($"{path}.localPreference", $"{attributes.LocalPreference} must be 0..4294967295"));
        }

        if (attributes.Med is < 0 or > uint.MaxValue)
        {
            errors.Add(new($"{path}.med", $"{attributes.Med} must be 0..4294967295"));
        }

        if (attributes.AsPathPrepend?.Count is < 0 or > 255)
        {
            errors.Add(new($"{path}.asPathPrepend.count", $"{attributes.AsPathPrepend.Count} must be 0..255"));
        }
    }

    private static void ValidatePool(LoadBalancerIpPoolSpec? spec, List<FieldError> errors)
    {
        if (spec?.Blocks is not { Count: > 0 } blocks)
        {
            errors.Add(new("spec.blocks", "at least one block is required"));
            return;
        }

        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            var path = $"spec.blocks[{i}]";
            if (block?.Cidr is { } cidr)
            {
                if (block.Start is not null || block.Stop is not null)
                {
                    errors.Add(new(path, "either cidr or start/stop, not both"));
                }
                else if (!TryParseCidr(cidr, out _))
                {
                    errors.Add(new($"{path}.cidr", $"'{cidr}' is not a CIDR (address bits past the prefix must be zero)"));
                }
            }
            else if (block?.Start is null || block.Stop is null)
            {
                errors.Add(new(path, "cidr or both start and stop are required"));
            }
            else if (!TryParseIp(block.Start, out var start))
            {
                errors.Add(new($"{path}.start", $"'{block.Start}' is not an IP address"));
            }
            else if (!TryParseIp(block.Stop, out var stop))
            {
                errors.Add(new($"{path}.stop", $"'{block.Stop}' is not an IP address"));
            }
            else if (start.AddressFamily != stop.AddressFamily)
            {
                errors.Add(new($"{path}.stop", "start and stop must be of the same address family"));
            }
            else if (new UInt128Address(start).CompareTo(new UInt128Address(stop)) > 0)
            {
                errors.Add(new($"{path}.stop", $"{stop} is before start {start}"));
            }
        }

        ValidateSelector(spec.ServiceSelector, "spec.serviceSelector", errors);
    }

    private static void ValidateSelector(V1LabelSelector? selector, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (selector?.MatchExpressions?.Count ?? 0); i++)
        {
            var requirement = selector!.MatchExpressions![i];
            var itemPath = $"{path}.matchExpressions[{i}]";
            if (string.IsNullOrEmpty(requirement?.Key))
            {
                errors.Add(new($"{itemPath}.key", "required"));
            }

            var values = requirement?.Values?.Count ?? 0;
            switch (requirement?.OperatorProperty)
            {
                case "In" or "NotIn" when values == 0:
                    errors.Add(new($"{itemPath}.values", $"required with operator {requirement.OperatorProperty}"));
                    break;
                case "Exists" or "DoesNotExist" when values != 0:
                    errors.Add(new($"{itemPath}.values", $"must be empty with operator {requirement.OperatorProperty}"));
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    errors.Add(new($"{itemPath}.operator", $"'{requirement?.OperatorProperty}' is not In, NotIn, Exists or DoesNotExist"));
                    break;
            }
        }
    }

    /// <summary>Parses only the canonical dotted/colon forms, not "10" or "0x0a".</summary>
    public static bool TryParseIp(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text is null || text.Length == 0 || !(text.Contains('.') || text.Contains(':')) || text.Contains('%'))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse accepts shortened IPv4 forms such as "10.1"; Kubernetes does not.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Length != 4)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>Parses <c>address/length</c>, rejecting addresses with bits set past the prefix.</summary>
    public static bool TryParseCidr(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash < 0
            || !TryParseIp(text![..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        if (length > bytes.Length * 8)
        {
            return false;
        }

        for (var bit = length; bit < bytes.Length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return false;
            }
        }

        network = new IPNetwork(address, length);
        return true;
    }

    private static string WellKnownNames => string.Join(", ", CommunityText.WellKnown.Keys);

    private readonly struct UInt128Address(IPAddress address) : IComparable<UInt128Address>
    {
        private readonly UInt128 _value = ToUInt128(address);

        public int CompareTo(UInt128Address other) => _value.CompareTo(other._value);

        private static UInt128 ToUInt128(IPAddress address)
        {
            var bytes = address.GetAddressBytes();
            UInt128 value = 0;
            foreach (var b in bytes)
            {
                value = (value << 8) | b;
            }

            return value;
        }
    }
}

using System.Net;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// Makes the node's Gateway addresses local, as kube-proxy's IPVS mode does with the
/// LoadBalancer IPs on kube-ipvs0: a dummy interface (default <c>beacon-gw</c>) that Beacon
/// owns, kept up, holding each desired address as /32 or /128 unless another interface
/// already holds it. Everything goes over rtnetlink; the image has no iproute2.
/// </summary>
/// <remarks>
/// The interface is Beacon's: every global address on it that is not desired is removed.
/// Addresses are not removed when the agent stops, so that a restarting agent (whose
/// routes the routers keep under graceful restart) finds them in place; the next
/// <see cref="ApplyAsync"/> after start removes what is stale. That first call must wait
/// until the agent knows which Gateways it serves: an early <c>ApplyAsync([])</c> would remove
/// every address while the routers still send traffic for them. Needs CAP_NET_ADMIN in the
/// node's network namespace (hostNetwork). Calls are serialised; one instance per agent.
/// </remarks>
internal sealed class LocalAddressManager : IDisposable
{
    public const string DefaultInterfaceName = "beacon-gw";

    /// <summary>The <c>--gateway-interface</c> value meaning "the addresses are made local by someone else".</summary>
    public const string NoInterface = "none";

    public const string DummyKind = "dummy";

    private const int DumpAttempts = 3;

    private readonly RtNetlinkSocket _socket;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal LocalAddressManager(RtNetlinkSocket socket, string interfaceName, string linkKind, ILogger logger)
    {
        if (!IsValidInterfaceName(interfaceName, out var error))
        {
            throw new ArgumentException(error, nameof(interfaceName));
        }

        _socket = socket;
        InterfaceName = interfaceName;
        LinkKind = linkKind;
        _logger = logger;
    }

    public string InterfaceName { get; }

    /// <summary>The kind of interface created and accepted: <see cref="DummyKind"/> in production.</summary>
    public string LinkKind { get; }

    /// <summary>A manager of <paramref name="interfaceName"/> in the agent's own network namespace (the node's, with hostNetwork).</summary>
    public static LocalAddressManager Create(string interfaceName, ILogger logger)
    {
        var socket = RtNetlinkSocket.Open();
        try
        {
            return new LocalAddressManager(socket, interfaceName, DummyKind, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Parses a <c>--gateway-interface</c> value: an interface name, or <see cref="NoInterface"/>
    /// (<paramref name="interfaceName"/> null) when Beacon must not touch the node's addresses.
    /// </summary>
    public static bool TryParseInterfaceOption(string text, out string? interfaceName, out string? error)
    {
        interfaceName = null;
        if (string.Equals(text, NoInterface, StringComparison.Ordinal))
        {
            error = null;
            return true;
        }

        if (!IsValidInterfaceName(text, out error))
        {
            return false;
        }

        interfaceName = text;
        return true;
    }

    /// <summary>The kernel's rule (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':' or white space.</summary>
    public static bool IsValidInterfaceName(string name, out string? error)
    {
        error = name switch
        {
            "" => "an interface name cannot be empty",
            "." or ".." => $"'{name}' is not a valid interface name",
            _ when name.Length > RtNetlink.MaxInterfaceNameLength => $"interface name '{name}' is longer than {RtNetlink.MaxInterfaceNameLength} characters",
            _ when name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || c > '~' || c < '!') => $"interface name '{name}' contains '/', ':', white space or a character outside printable ASCII",
            _ => null,
        };
        return error is null;
    }

    /// <summary>
    /// Makes the interface exist and be up, adds the desired addresses that are not local
    /// anywhere, and removes the addresses on it that are no longer desired. A failure of the
    /// interface itself throws <see cref="LocalAddressException"/>; a failure of one address
    /// is reported in <see cref="LocalAddressResult.Errors"/> and the others are still applied.
    /// </summary>
    public async Task<LocalAddressResult> ApplyAsync(IReadOnlyCollection<IPAddress> desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var link = await EnsureLinkAsync(cancellationToken);
            var current = await DumpAddressesAsync(cancellationToken);
            var plan = LocalAddressPlan.Compute(desired, current, link.Index);
            foreach (var address in plan.AlreadyLocal)
            {
                LocalAddressLog.AddressAlreadyLocal(_logger, address, InterfaceName);
            }

            return await ExecuteAsync(plan, link.Index, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes every global address from the interface and leaves the interface itself.
    /// For uninstalling or opting out, not for a restart: see the remarks on the type.
    /// </summary>
    public async Task<LocalAddressResult> ClearAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var link = await GetLinkAsync(cancellationToken);
            if (link is null)
            {
                return LocalAddressResult.Empty;
            }

            CheckKind(link);
            var current = await DumpAddressesAsync(cancellationToken);
            var plan = LocalAddressPlan.Compute([], current, link.Index);
            return await ExecuteAsync(plan, link.Index, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _gate.Dispose();
    }

    private async Task<LocalAddressResult> ExecuteAsync(LocalAddressPlan plan, int interfaceIndex, CancellationToken cancellationToken)
    {
        var errors = new List<LocalAddressError>(plan.Rejected);
        var added = new List<IPAddress>();
        var removed = new List<IPAddress>();
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        foreach (var address in plan.ToAdd)
        {
            var sequence = _socket.NextSequence();
            var length = RtNetlinkMessages.NewAddress(buffer, sequence, interfaceIndex, address).Length;
            var answer = await _socket.RequestAsync(buffer.AsMemory(0, length), sequence, cancellationToken);

            // EEXIST: the address appeared since the dump; it is local either way.
            if (answer.Errno is 0 or Errnos.EEXIST)
            {
                added.Add(address);
                LocalAddressLog.AddressAdded(_logger, address, InterfaceName);
            }
            else
            {
                errors.Add(new LocalAddressError(
                    address,
                    LocalAddressException.Format($"adding {address}/{RtNetlinkMessages.HostPrefixLength(address)} to {InterfaceName}", answer.Errno, answer.ExtendedMessage)));
            }
        }

        foreach (var (address, prefixLength) in plan.ToRemove)
        {
            var sequence = _socket.NextSequence();
            var length = RtNetlinkMessages.DeleteAddress(buffer, sequence, interfaceIndex, address, prefixLength).Length;
            var answer = await _socket.RequestAsync(buffer.AsMemory(0, length), sequence, cancellationToken);

            // EADDRNOTAVAIL: already gone.
            if (answer.Errno is 0 or Errnos.EADDRNOTAVAIL)
            {
                removed.Add(address);
                LocalAddressLog.AddressRemoved(_logger, address, InterfaceName);
            }
            else
            {
                errors.Add(new LocalAddressError(
                    address,
                    LocalAddressException.Format($"removing {address}/{prefixLength} from {InterfaceName}", answer.Errno, answer.ExtendedMessage)));
            }
        }

        foreach (var error in errors)
        {
            LocalAddressLog.AddressFailed(_logger, error.Address, error.Message);
        }

        return new LocalAddressResult(added, removed, plan.AlreadyLocal, plan.Unchanged, errors);
    }

    private async Task<LinkMessage> EnsureLinkAsync(CancellationToken cancellationToken)
    {
        var link = await GetLinkAsync(cancellationToken);
        if (link is null)
        {
            var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
            var sequence = _socket.NextSequence();
            var length = RtNetlinkMessages.NewLink(buffer, sequence, InterfaceName, LinkKind).Length;
            var answer = await _socket.RequestAsync(buffer.AsMemory(0, length), sequence, cancellationToken);
            if (answer.Errno == Errnos.EOPNOTSUPP)
            {
                throw new LocalAddressException(
                    $"creating {LinkKind} interface {InterfaceName}",
                    answer.Errno,
                    answer.ExtendedMessage,
                    $"the kernel has no {LinkKind} interfaces{(LinkKind == DummyKind ? ", CONFIG_DUMMY" : "")}; make the addresses local otherwise and run with --gateway-interface {NoInterface}");
            }

            if (answer.Errno is not (0 or Errnos.EEXIST))
            {
                throw new LocalAddressException($"creating {LinkKind} interface {InterfaceName}", answer.Errno, answer.ExtendedMessage);
            }

            link = await GetLinkAsync(cancellationToken)
                ?? throw new LocalAddressException($"interface {InterfaceName} was created but the kernel does not find it");
            LocalAddressLog.InterfaceCreated(_logger, LinkKind, InterfaceName);
        }

        CheckKind(link);
        if (!link.IsUp)
        {
            var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
            var sequence = _socket.NextSequence();
            var length = RtNetlinkMessages.SetLinkUp(buffer, sequence, link.Index).Length;
            var answer = await _socket.RequestAsync(buffer.AsMemory(0, length), sequence, cancellationToken);
            if (answer.Errno != 0)
            {
                throw new LocalAddressException($"setting {InterfaceName} up", answer.Errno, answer.ExtendedMessage);
            }

            LocalAddressLog.InterfaceSetUp(_logger, InterfaceName);
        }

        return link;
    }

    // An interface of that name that Beacon did not make (a NIC, a bridge) must never lose its addresses.
    private void CheckKind(LinkMessage link)
    {
        if (!string.Equals(link.Kind, LinkKind, StringComparison.Ordinal))
        {
            var what = link.Kind is null ? "a physical or loopback interface" : $"a {link.Kind} interface";
            throw new LocalAddressException(
                $"interface {InterfaceName} exists and is {what}, not {LinkKind}: Beacon manages only an interface it owns; choose another name with --gateway-interface");
        }
    }

    private async Task<LinkMessage?> GetLinkAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var sequence = _socket.NextSequence();
        var length = RtNetlinkMessages.GetLinkByName(buffer, sequence, InterfaceName).Length;
        var (error, replies, _) = await _socket.QueryAsync(buffer.AsMemory(0, length), sequence, RtNetlink.RtmNewLink, cancellationToken);
        if (error.Errno == Errnos.ENODEV)
        {
            return null;
        }

        if (error.Errno != 0)
        {
            throw new LocalAddressException($"looking up interface {InterfaceName}", error.Errno, error.ExtendedMessage);
        }

        return replies.Count == 0
            ? throw new LocalAddressException($"looking up interface {InterfaceName}: the kernel answered without a link")
            : LinkMessage.Read(replies[0]);
    }

    private async Task<List<AddressMessage>> DumpAddressesAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        for (var attempt = 1; ; attempt++)
        {
            var sequence = _socket.NextSequence();
            var length = RtNetlinkMessages.GetAddresses(buffer, sequence).Length;
            var (error, replies, interrupted) = await _socket.QueryAsync(buffer.AsMemory(0, length), sequence, RtNetlink.RtmNewAddr, cancellationToken);
            if (error.Errno != 0)
            {
                throw new LocalAddressException("listing the node's addresses", error.Errno, error.ExtendedMessage);
            }

            if (interrupted && attempt < DumpAttempts)
            {
                continue;
            }

            if (interrupted)
            {
                throw new LocalAddressException($"listing the node's addresses: the dump was interrupted by concurrent changes {DumpAttempts} times");
            }

            var addresses = new List<AddressMessage>(replies.Count);
            foreach (var reply in replies)
            {
                if (AddressMessage.TryRead(reply, out var message))
                {
                    addresses.Add(message!);
                }
            }

            return addresses;
        }
    }
}

using System.ComponentModel;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Beacon.Agent.LocalAddresses;
using Beacon.Interop.Tests.Lab;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Interop.Tests.LocalAddresses;

/// <summary>
/// Issue 5, "in a cluster Beacon makes [Gateway addresses] local itself": the manager's
/// netlink socket is opened inside a lab node namespace, and `ip` checks what it did there.
/// </summary>
public sealed partial class LocalAddressManagerTests
{
    private const string Interface = "beacon-gw";

    private static readonly IPAddress Gateway4 = IPAddress.Parse("203.0.113.10");
    private static readonly IPAddress Gateway6 = IPAddress.Parse("2001:db8:203::10");
    private static readonly IPAddress OnLoopback = IPAddress.Parse("203.0.113.20");

    [Fact]
    public async Task Apply_adds_the_addresses_to_an_interface_that_is_up_and_removes_them_when_no_longer_desired()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var kind = await LinkKindAsync(node);

        using (var manager = Open(node, kind))
        {
            var result = await manager.ApplyAsync([Gateway6, Gateway4], CancellationToken.None);

            Assert.Equal([Gateway4, Gateway6], result.Added);
            Assert.Empty(result.Removed);
            Assert.Empty(result.Errors);
            var link = await ShowAsync(node);
            Assert.Contains("UP", link.Flags);
            Assert.Equal(["2001:db8:203::10/128", "203.0.113.10/32"], link.GlobalAddresses);

            // Usable at once: IPv6 without duplicate address detection, so no tentative state.
            using (NamespaceSockets.Listen(node.Name, new IPEndPoint(Gateway4, 0)))
            using (NamespaceSockets.Listen(node.Name, new IPEndPoint(Gateway6, 0)))
            {
            }

            var again = await manager.ApplyAsync([Gateway4, Gateway6], CancellationToken.None);
            Assert.False(again.Changed);
            Assert.Equal([Gateway4, Gateway6], again.Unchanged);

            await node.ExecAsync("ip", "addr", "add", $"{OnLoopback}/32", "dev", "lo");
            var smaller = await manager.ApplyAsync([Gateway4, OnLoopback], CancellationToken.None);

            Assert.Empty(smaller.Added);
            Assert.Equal([Gateway6], smaller.Removed);
            Assert.Equal([OnLoopback], smaller.AlreadyLocal);
            Assert.Equal([Gateway4], smaller.Unchanged);
            Assert.Equal(["203.0.113.10/32"], (await ShowAsync(node)).GlobalAddresses);
        }

        // A new agent (a restart) finds the addresses the previous one left and changes nothing.
        using (var restarted = Open(node, kind))
        {
            var afterRestart = await restarted.ApplyAsync([Gateway4, OnLoopback], CancellationToken.None);
            Assert.False(afterRestart.Changed);
            Assert.Equal([Gateway4], afterRestart.Unchanged);

            var cleared = await restarted.ClearAsync(CancellationToken.None);
            Assert.Equal([Gateway4], cleared.Removed);
            Assert.Empty((await ShowAsync(node)).GlobalAddresses);
            Assert.Contains("inet 203.0.113.20/32", (await node.ExecAsync("ip", "addr", "show", "dev", "lo")).EnsureSuccess().StandardOutput);
        }
    }

    [Fact]
    public async Task An_interface_set_down_by_someone_else_is_set_up_again()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        using var manager = Open(node, await LinkKindAsync(node));
        await manager.ApplyAsync([Gateway4], CancellationToken.None);
        (await node.ExecAsync("ip", "link", "set", Interface, "down")).EnsureSuccess();
        Assert.DoesNotContain("UP", (await ShowAsync(node)).Flags);

        var result = await manager.ApplyAsync([Gateway4], CancellationToken.None);

        Assert.Contains("UP", (await ShowAsync(node)).Flags);
        Assert.Equal([Gateway4], result.Local);
    }

    [Fact]
    public async Task An_existing_interface_of_that_name_that_is_not_Beacons_is_refused_and_left_alone()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        (await node.ExecAsync("ip", "link", "add", Interface, "type", "bridge")).EnsureSuccess();
        (await node.ExecAsync("ip", "addr", "add", "192.0.2.1/24", "dev", Interface)).EnsureSuccess();
        using var manager = Open(node, await LinkKindAsync(node));

        var error = await Assert.ThrowsAsync<LocalAddressException>(() => manager.ApplyAsync([Gateway4], CancellationToken.None));

        Assert.Equal(
            $"interface {Interface} exists and is a bridge interface, not {manager.LinkKind}: Beacon manages only an interface it owns; choose another name with --gateway-interface",
            error.Message);
        Assert.Equal(["192.0.2.1/24"], (await ShowAsync(node)).GlobalAddresses);
    }

    [Fact]
    public async Task An_address_the_kernel_refuses_is_reported_and_the_others_are_still_applied()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        using var manager = Open(node, await LinkKindAsync(node));
        await manager.ApplyAsync([Gateway4], CancellationToken.None);
        (await node.ExecAsync("sysctl", "-w", $"net.ipv6.conf.{Interface}.disable_ipv6=1")).EnsureSuccess();
        var second = IPAddress.Parse("203.0.113.11");

        var result = await manager.ApplyAsync([Gateway4, Gateway6, second], CancellationToken.None);

        Assert.Equal([second], result.Added);
        var error = Assert.Single(result.Errors);
        Assert.Equal(Gateway6, error.Address);
        Assert.Equal("adding 2001:db8:203::10/128 to beacon-gw: Permission denied (EACCES): ipv6: IPv6 is disabled on this device", error.Message);
        Assert.Equal(["203.0.113.10/32", "203.0.113.11/32"], (await ShowAsync(node)).GlobalAddresses);
    }

    [Fact]
    public async Task Without_NET_ADMIN_every_address_fails_with_EPERM_naming_operation_interface_and_address()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var kind = await LinkKindAsync(node);
        (await node.ExecAsync("ip", "link", "add", Interface, "type", kind)).EnsureSuccess();
        (await node.ExecAsync("ip", "link", "set", Interface, "up")).EnsureSuccess();

        // The kernel checks the capabilities of whoever opened the netlink socket; capabilities
        // are per thread, so only the thread that opens it drops CAP_NET_ADMIN.
        using var manager = NamespaceSockets.Run(node.Name, () =>
        {
            DropNetAdmin();
            return new LocalAddressManager(RtNetlinkSocket.Open(), Interface, kind, NullLogger.Instance);
        });

        var result = await manager.ApplyAsync([Gateway4, Gateway6], CancellationToken.None);

        Assert.Empty(result.Added);
        Assert.Equal(
            [
                new LocalAddressError(Gateway4, "adding 203.0.113.10/32 to beacon-gw: Operation not permitted (EPERM)"),
                new LocalAddressError(Gateway6, "adding 2001:db8:203::10/128 to beacon-gw: Operation not permitted (EPERM)"),
            ],
            result.Errors);
        Assert.Empty((await ShowAsync(node)).GlobalAddresses);
    }

    [Fact]
    public async Task A_link_kind_the_kernel_lacks_fails_with_the_operation_errno_and_kernel_text()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        using var manager = Open(node, "bcnnosuchkind");

        var error = await Assert.ThrowsAsync<LocalAddressException>(() => manager.ApplyAsync([Gateway4], CancellationToken.None));

        Assert.Equal(Errnos.EOPNOTSUPP, error.Errno);
        Assert.Equal(
            "creating bcnnosuchkind interface beacon-gw: Operation not supported (EOPNOTSUPP): Unknown device type"
            + " (the kernel has no bcnnosuchkind interfaces; make the addresses local otherwise and run with --gateway-interface none)",
            error.Message);
        Assert.False((await node.ExecAsync("ip", "link", "show", "dev", Interface)).Succeeded);
    }

    private static LocalAddressManager Open(LabNamespace node, string kind) =>
        NamespaceSockets.Run(node.Name, () => new LocalAddressManager(RtNetlinkSocket.Open(), Interface, kind, NullLogger.Instance));

    /// <summary>
    /// "dummy" where the kernel has it (CONFIG_DUMMY, every distribution kernel, what production
    /// uses). Some VM kernels lack it; there an ifb interface stands in, which like dummy is a
    /// virtual interface without a peer and with its carrier up, so the manager's requests are
    /// the same but for the kind.
    /// </summary>
    private static async Task<string> LinkKindAsync(LabNamespace node)
    {
        var probe = await node.ExecAsync("ip", "link", "add", "bcn-probe", "type", LocalAddressManager.DummyKind);
        if (!probe.Succeeded)
        {
            return "ifb";
        }

        (await node.ExecAsync("ip", "link", "delete", "bcn-probe")).EnsureSuccess();
        return LocalAddressManager.DummyKind;
    }

    private static void DropNetAdmin()
    {
        const int CapNetAdmin = 12;
        Span<uint> header = [0x20080522, 0]; // _LINUX_CAPABILITY_VERSION_3, this thread
        Span<uint> data = stackalloc uint[6]; // two struct __user_cap_data_struct { effective, permitted, inheritable }
        if (CapGet(ref header[0], ref data[0]) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "capget failed");
        }

        data[0] &= ~(1u << CapNetAdmin);
        if (CapSet(ref header[0], ref data[0]) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "capset failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(ref uint header, ref uint data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(ref uint header, ref uint data);

    private static async Task<(string[] Flags, string[] GlobalAddresses)> ShowAsync(LabNamespace node)
    {
        var output = (await node.ExecAsync("ip", "-j", "addr", "show", "dev", Interface)).EnsureSuccess().StandardOutput;
        using var json = JsonDocument.Parse(output);
        var link = Assert.Single(json.RootElement.EnumerateArray().ToArray());
        var flags = link.GetProperty("flags").EnumerateArray().Select(flag => flag.GetString()!).ToArray();
        var addresses = link.GetProperty("addr_info").EnumerateArray()
            .Where(address => address.GetProperty("scope").GetString() == "global")
            .Select(address => $"{address.GetProperty("local").GetString()}/{address.GetProperty("prefixlen").GetInt32()}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        return (flags, addresses);
    }
}

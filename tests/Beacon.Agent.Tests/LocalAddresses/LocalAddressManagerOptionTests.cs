using Beacon.Agent.LocalAddresses;

namespace Beacon.Agent.Tests.LocalAddresses;

public sealed class LocalAddressManagerOptionTests
{
    [Theory]
    [InlineData("beacon-gw")]
    [InlineData("gw0")]
    [InlineData("exactly15chars_")]
    public void An_interface_name_is_the_interface_to_manage(string text)
    {
        Assert.True(LocalAddressManager.TryParseInterfaceOption(text, out var name, out var error));
        Assert.Equal(text, name);
        Assert.Null(error);
    }

    [Fact]
    public void None_means_the_addresses_are_configured_by_someone_else()
    {
        Assert.True(LocalAddressManager.TryParseInterfaceOption("none", out var name, out var error));
        Assert.Null(name);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("", "an interface name cannot be empty")]
    [InlineData("..", "'..' is not a valid interface name")]
    [InlineData("sixteen-chars-xx", "interface name 'sixteen-chars-xx' is longer than 15 characters")]
    [InlineData("eth0:1", "interface name 'eth0:1' contains '/', ':', white space or a character outside printable ASCII")]
    [InlineData("a b", "interface name 'a b' contains '/', ':', white space or a character outside printable ASCII")]
    [InlineData("gw/0", "interface name 'gw/0' contains '/', ':', white space or a character outside printable ASCII")]
    public void Names_the_kernel_refuses_are_errors(string text, string expected)
    {
        Assert.False(LocalAddressManager.TryParseInterfaceOption(text, out var name, out var error));
        Assert.Null(name);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_refused_request_names_the_operation_interface_address_and_errno()
    {
        var message = LocalAddressException.Format("adding 203.0.113.10/32 to beacon-gw", Errnos.EPERM, null);

        Assert.Equal("adding 203.0.113.10/32 to beacon-gw: Operation not permitted (EPERM)", message);
    }

    [Fact]
    public void The_kernel_extended_message_follows_the_errno()
    {
        var exception = new LocalAddressException("creating dummy interface beacon-gw", Errnos.EOPNOTSUPP, "Unknown device type");

        Assert.Equal("creating dummy interface beacon-gw: Operation not supported (EOPNOTSUPP): Unknown device type", exception.Message);
        Assert.Equal(Errnos.EOPNOTSUPP, exception.Errno);
    }
}

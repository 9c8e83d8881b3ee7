using Beacon.Gateway.Config;

namespace Beacon.Gateway.Tests;

public sealed class ProxyConfigTests
{
    [Fact]
    public void Empty_config_serves_nothing()
    {
        Assert.Empty(ProxyConfig.Empty.Binds);
        Assert.Empty(ProxyConfig.Empty.Backends);
    }
}

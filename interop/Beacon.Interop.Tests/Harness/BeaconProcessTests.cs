using System.Reflection;
using Beacon.Interop.Tests.Lab;

namespace Beacon.Interop.Tests.Harness;

public sealed class BeaconProcessTests
{
    [Fact]
    public void Locates_the_agent_built_in_the_configuration_of_the_tests()
    {
        var configuration = typeof(BeaconProcessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

        var path = BeaconProcess.LocateAgentAssembly();

        Assert.True(File.Exists(path));
        Assert.Equal("beacon.dll", Path.GetFileName(path));
        Assert.Contains($"{Path.DirectorySeparatorChar}{configuration}{Path.DirectorySeparatorChar}", path);
    }
}

using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Transport;

public sealed class TcpDropCountersTests
{
    // The shape of /proc/net/netstat, shortened: a name line and a value line per group.
    private const string Before = """
        TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPMinTTLDrop
        TcpExt: 0 1 2 3 4
        IpExt: InNoRoutes TCPMD5Failure
        IpExt: 0 99
        """;

    [Fact]
    public void Parses_the_tcpext_group_only()
    {
        var counters = TcpDropCounters.Parse(Before);

        Assert.Equal(3, counters.Values["TCPMD5Failure"]);
        Assert.Equal(4, counters.Values["TCPMinTTLDrop"]);
        Assert.False(counters.Values.ContainsKey("InNoRoutes"));
    }

    [Fact]
    public void Explains_each_counter_that_went_up()
    {
        var after = TcpDropCounters.Parse(Before.Replace("TcpExt: 0 1 2 3 4", "TcpExt: 0 1 2 6 5", StringComparison.Ordinal));

        var reasons = TcpDropCounters.Explain(TcpDropCounters.Parse(Before), after);

        Assert.Equal(2, reasons.Length);
        Assert.Equal("TCP MD5 signature mismatch counted by the kernel (TCPMD5Failure +3): check the password", reasons[0]);
        Assert.Equal("TCP segments below the GTSM minimum TTL counted by the kernel (TCPMinTTLDrop +1): check that the peer has GTSM (ttl-security) on", reasons[1]);
    }

    [Fact]
    public void Explains_nothing_without_both_readings()
    {
        Assert.Empty(TcpDropCounters.Explain(null, TcpDropCounters.Parse(Before)));
        Assert.Empty(TcpDropCounters.Explain(TcpDropCounters.Parse(Before), TcpDropCounters.Parse(Before)));
    }

    [Fact]
    public void This_host_has_the_counters()
    {
        var counters = TcpDropCounters.Read();

        Assert.NotNull(counters);
        Assert.Contains("TCPMD5Failure", counters.Values.Keys);
        Assert.Contains("TCPMinTTLDrop", counters.Values.Keys);
    }
}

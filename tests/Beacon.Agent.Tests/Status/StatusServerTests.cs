using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Beacon.Agent.Metrics;
using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Agent.Tests.Status;

public sealed class StatusServerTests
{
    [Fact]
    public async Task Binds_only_the_requested_address()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        Assert.Equal("127.0.0.1", fixture.Server.Address.Host);
        Assert.NotEqual(0, fixture.Server.Address.Port);
    }

    [Fact]
    public async Task Binds_an_ipv6_address()
    {
        await using var fixture = await StatusServerFixture.StartAsync(address: IPAddress.IPv6Loopback);

        Assert.Equal("[::1]", fixture.Server.Address.Host);
        Assert.Equal("ok\n", await fixture.Http.GetStringAsync("healthz"));
    }

    [Fact]
    public async Task Peers_are_served_with_the_design_field_names_and_state_strings()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var response = await fixture.Http.GetAsync("api/v1/peers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertJsonEqual(
            """
            [
              {
                "name": "tor-a", "peerAddress": "198.51.100.1", "peerASN": 65000, "localASN": 65001,
                "state": "Established", "establishedTime": "2026-01-02T03:04:05+00:00",
                "holdTime": 90, "keepaliveTime": 30,
                "families": [
                  { "afi": "ipv4", "safi": "unicast", "advertised": 3, "received": 1, "stale": 0 },
                  { "afi": "ipv6", "safi": "unicast", "advertised": 2, "received": 0, "stale": 0 }
                ],
                "peerCapabilities": ["multiprotocol", "four-octet-as"],
                "lastError": null, "messagesSent": 12, "messagesReceived": 10
              },
              {
                "name": "tor-b", "peerAddress": "2001:db8:100::1", "peerASN": 4200000000, "localASN": 65001,
                "state": "Active", "establishedTime": null,
                "holdTime": 90, "keepaliveTime": 30,
                "families": [ { "afi": "ipv6", "safi": "unicast", "advertised": 0, "received": 0, "stale": 0 } ],
                "peerCapabilities": [],
                "lastError": "connection refused", "messagesSent": 0, "messagesReceived": 0
              }
            ]
            """,
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Received_routes_carry_as_sets_as_nested_arrays_and_unknown_attributes()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var response = await fixture.Http.GetAsync("api/v1/routes?peer=tor-a&direction=received");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertJsonEqual(
            """
            [
              {
                "prefix": "0.0.0.0/0", "afi": "ipv4", "nextHop": "198.51.100.1", "origin": "incomplete",
                "asPath": [65000, [64512, 64513]],
                "med": null, "localPreference": 200,
                "communities": [], "largeCommunities": [], "extendedCommunities": ["rt:65000:1"],
                "unknownAttributes": [ { "type": 99, "flags": 192, "partial": true } ],
                "stale": true
              }
            ]
            """,
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Advertised_routes_are_served_per_direction()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var body = JsonNode.Parse(await fixture.Http.GetStringAsync("api/v1/routes?peer=tor-a&direction=advertised"))!.AsArray();

        Assert.Equal(["203.0.113.10/32", "192.0.2.0/26"], body.Select(r => r!["prefix"]!.GetValue<string>()));
        Assert.Equal("""["65001:100","65001:200"]""", body[0]!["communities"]!.ToJsonString());
        Assert.Equal("""["65001:1:2"]""", body[0]!["largeCommunities"]!.ToJsonString());
        Assert.Equal(10, body[1]!["med"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(typeof(uint[]))]
    [InlineData(typeof(List<uint>))]
    [InlineData(typeof(long[]))]
    public async Task An_as_set_in_any_list_type_is_a_nested_array(Type setType)
    {
        object set = setType == typeof(uint[]) ? new uint[] { 1, 2 }
            : setType == typeof(List<uint>) ? new List<uint> { 1, 2 }
            : new long[] { 1, 2 };
        var speaker = new FakeSpeakerStatus();
        speaker.Peers.Add(new PeerStatus { Name = "p", PeerAddress = "198.51.100.1", PeerAsn = 1, LocalAsn = 2, State = SessionState.Established });
        speaker.Routes[("p", RouteDirection.Received)] =
            [new RouteView { Prefix = "203.0.113.0/24", Afi = "ipv4", Origin = "igp", AsPath = [3u, set] }];
        await using var fixture = await StatusServerFixture.StartAsync(speaker);

        var body = JsonNode.Parse(await fixture.Http.GetStringAsync("api/v1/routes?peer=p&direction=received"))!;

        Assert.Equal("[3,[1,2]]", body[0]!["asPath"]!.ToJsonString());
    }

    [Theory]
    [InlineData("api/v1/routes", "peer")]
    [InlineData("api/v1/routes?direction=advertised", "peer")]
    [InlineData("api/v1/routes?peer=&direction=advertised", "peer")]
    [InlineData("api/v1/routes?peer=tor-a", "direction")]
    [InlineData("api/v1/routes?peer=tor-a&direction=sideways", "direction")]
    [InlineData("api/v1/routes?peer=tor-a&direction=Advertised", "direction")]
    public async Task Routes_without_a_valid_peer_and_direction_are_a_bad_request(string path, string parameter)
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var response = await fixture.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>();
        Assert.Contains($"'{parameter}'", error);
    }

    [Fact]
    public async Task Routes_of_an_unknown_peer_are_not_found()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var response = await fixture.Http.GetAsync("api/v1/routes?peer=nobody&direction=advertised");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertJsonEqual("""{ "error": "unknown peer 'nobody'" }""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Object_status_is_an_empty_array_without_a_source()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        Assert.Equal("[]", await fixture.Http.GetStringAsync("api/v1/status"));
    }

    [Fact]
    public async Task Object_status_has_the_design_shape()
    {
        using var status = JsonDocument.Parse("""{"conditions":[{"type":"Accepted","status":"True"}]}""");
        var source = new FixedObjectStatus(
            [new ObjectStatus("gateway.networking.k8s.io/v1", "Gateway", "default", "web", 3, status.RootElement.Clone())]);
        await using var fixture = await StatusServerFixture.StartAsync(objectStatus: source);

        AssertJsonEqual(
            """
            [
              {
                "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "namespace": "default", "name": "web",
                "generation": 3, "status": { "conditions": [ { "type": "Accepted", "status": "True" } ] }
              }
            ]
            """,
            await fixture.Http.GetStringAsync("api/v1/status"));
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        var response = await fixture.Http.GetAsync("healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_follows_the_readiness_blockers()
    {
        await using var fixture = await StatusServerFixture.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync("readyz")).StatusCode);

        fixture.Readiness.Block("source", "manifests not loaded yet");
        fixture.Readiness.Block("agent", "shutting down");
        var notReady = await fixture.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("agent: shutting down\nsource: manifests not loaded yet\n", await notReady.Content.ReadAsStringAsync());

        fixture.Readiness.Clear("source");
        fixture.Readiness.Clear("agent");
        var ready = await fixture.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ok\n", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_expose_the_bgp_series_with_their_design_names()
    {
        await using var fixture = await StatusServerFixture.StartAsync();
        fixture.Metrics.MessageSent("tor-a", "UPDATE");
        fixture.Metrics.MessageSent("tor-a", "UPDATE");
        fixture.Metrics.MessageSent("tor-a", "KEEPALIVE");
        fixture.Metrics.MessageReceived("tor-a", "OPEN");
        fixture.Metrics.UpdateErrorAction("tor-b", "treat-as-withdraw");

        var response = await fixture.Http.GetAsync("metrics");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("beacon_bgp_messages_sent_total{peer=\"tor-a\",type=\"UPDATE\"} 2", lines);
        Assert.Contains("beacon_bgp_messages_sent_total{peer=\"tor-a\",type=\"KEEPALIVE\"} 1", lines);
        Assert.Contains("beacon_bgp_messages_received_total{peer=\"tor-a\",type=\"OPEN\"} 1", lines);
        Assert.Contains("beacon_bgp_update_errors_total{action=\"treat-as-withdraw\",peer=\"tor-b\"} 1", lines);
        Assert.Contains("beacon_bgp_session_up{peer=\"tor-a\"} 1", lines);
        Assert.Contains("beacon_bgp_session_up{peer=\"tor-b\"} 0", lines);
        Assert.Contains("beacon_bgp_session_state{peer=\"tor-b\",state=\"Active\"} 1", lines);
        Assert.Contains("beacon_bgp_session_state{peer=\"tor-b\",state=\"Established\"} 0", lines);
        Assert.Contains("beacon_bgp_advertised_prefixes{afi=\"ipv4\",peer=\"tor-a\"} 3", lines);
        Assert.Contains("beacon_bgp_advertised_prefixes{afi=\"ipv6\",peer=\"tor-a\"} 2", lines);
        Assert.Contains("beacon_bgp_received_prefixes{afi=\"ipv4\",peer=\"tor-a\"} 1", lines);
    }

    [Fact]
    public async Task Metrics_follow_session_changes_between_scrapes()
    {
        await using var fixture = await StatusServerFixture.StartAsync();
        Assert.Contains("beacon_bgp_session_up{peer=\"tor-a\"} 1", (await fixture.Http.GetStringAsync("metrics")).Split('\n'));

        fixture.Speaker.Peers[0] = fixture.Speaker.Peers[0] with { State = SessionState.Idle, EstablishedTime = null };

        var lines = (await fixture.Http.GetStringAsync("metrics")).Split('\n');
        Assert.Contains("beacon_bgp_session_up{peer=\"tor-a\"} 0", lines);
        Assert.Contains("beacon_bgp_session_state{peer=\"tor-a\",state=\"Idle\"} 1", lines);
        Assert.Contains("beacon_bgp_session_state{peer=\"tor-a\",state=\"Established\"} 0", lines);
    }

    [Fact]
    public async Task Metrics_of_another_agent_in_the_process_are_not_mixed_in()
    {
        await using var first = await StatusServerFixture.StartAsync();
        await using var second = await StatusServerFixture.StartAsync(new FakeSpeakerStatus());
        first.Metrics.MessageSent("tor-a", "OPEN");

        var text = await second.Http.GetStringAsync("metrics");

        Assert.DoesNotContain("tor-a", text);
    }

    [Fact]
    public async Task Starting_on_an_address_in_use_fails_with_an_io_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endpoint = (IPEndPoint)taken.LocalEndpoint;
        await using var meterServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var exporter = new MetricsExporter(meterServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        await Assert.ThrowsAnyAsync<IOException>(() => StatusServer.StartAsync(
            new StatusServerOptions
            {
                Listen = endpoint,
                Speaker = new FakeSpeakerStatus(),
                Readiness = new ReadinessTracker(),
                Metrics = exporter,
                LoggerFactory = NullLoggerFactory.Instance,
            },
            CancellationToken.None));
    }

    private static void AssertJsonEqual(string expected, string actual) =>
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)),
            $"expected {JsonNode.Parse(expected)!.ToJsonString()}\nactual   {actual}");

    private sealed class FixedObjectStatus(IReadOnlyList<ObjectStatus> statuses) : IObjectStatusSource
    {
        public IReadOnlyList<ObjectStatus> GetObjectStatuses() => statuses;
    }
}

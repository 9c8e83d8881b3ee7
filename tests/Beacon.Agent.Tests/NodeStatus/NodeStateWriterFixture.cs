using Beacon.Agent.NodeStatus;
using Beacon.Agent.Tests.Status;
using Beacon.Bgp.Speaker;
using Beacon.Cluster.Model;
using Beacon.Kubernetes.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Agent.Tests.NodeStatus;

/// <summary>A <see cref="NodeStateWriter"/> running against the in-process API server, driven sample by sample.</summary>
internal sealed class NodeStateWriterFixture : IAsyncDisposable
{
    public const string NodeName = "node-1";

    private readonly SemaphoreSlim _passes = new(0);
    private CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly k8s.Kubernetes _client;
    private Task? _run;

    private NodeStateWriterFixture(TestApiServer server)
    {
        Server = server;
        _client = new k8s.Kubernetes(server.ClientConfiguration);
        Writer = NewWriter();
    }

    public TestApiServer Server { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public FakeSpeakerStatus Speaker { get; } = FakeSpeakerStatus.WithTwoPeers();

    public NodeStateWriter Writer { get; private set; }

    /// <summary>Bounds every wait so a broken writer fails the test instead of hanging it.</summary>
    public CancellationToken Timeout => _timeout.Token;

    public static async Task<NodeStateWriterFixture> StartAsync() =>
        new(await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon }));

    public PeerStatus Peer(string name) => Speaker.Peers.Single(p => p.Name == name);

    public void SetPeer(PeerStatus peer) => Speaker.Peers[Speaker.Peers.FindIndex(p => p.Name == peer.Name)] = peer;

    public BgpNodeState? Stored() => Server.Store.Get<BgpNodeState>(null, NodeName);

    /// <summary>Starts the writer and returns once its first sample has been handled.</summary>
    public async Task RunAsync()
    {
        _run = Writer.RunAsync(Speaker, _stop.Token);
        await NextPassAsync();
    }

    /// <summary>Stops the writer and runs a new one, as when the agent restarts.</summary>
    public async Task RestartAsync()
    {
        await _stop.CancelAsync();
        await _run!;
        _stop.Dispose();
        _stop = new CancellationTokenSource();
        Writer = NewWriter();
        await RunAsync();
    }

    /// <summary>Lets one sampling interval pass and returns once the writer has handled that sample.</summary>
    public async Task TickAsync(TimeSpan? by = null)
    {
        Time.Advance(by ?? NodeStateWriter.Interval);
        await NextPassAsync();
    }

    public IReadOnlyList<ApiRequest> StatusWrites() =>
        [.. Server.Requests.Where(r => r.Verb == "update" && r.Resource == "bgpnodestates/status")];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run;
        }

        _client.Dispose();
        await Server.DisposeAsync();
        _stop.Dispose();
        _timeout.Dispose();
        _passes.Dispose();
    }

    private NodeStateWriter NewWriter() => new(_client, NodeName, Time, NullLogger<NodeStateWriter>.Instance)
    {
        Waiting = () => _passes.Release(),
    };

    private Task NextPassAsync() => _passes.WaitAsync(Timeout);
}

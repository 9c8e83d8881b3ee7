using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;

namespace Beacon.Kubernetes.Testing.Watching;

/// <summary>One change as the store recorded it: the object after the change and before it.</summary>
internal sealed record StoreEvent(ResourceKind Kind, WatchEventType Type, long Revision, JsonObject? Object, JsonObject? Previous);

/// <summary>
/// An open watch: the store writes every change of its kind into the channel while holding its lock,
/// so the stream sees changes in revision order and never misses one.
/// </summary>
internal sealed class WatchSubscription(ResourceKind kind, bool bookmarks)
{
    public ResourceKind Kind { get; } = kind;

    public bool Bookmarks { get; } = bookmarks;

    public Channel<StoreEvent> Events { get; } = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });

    public CancellationTokenSource Dropped { get; } = new();

    /// <summary>Dropped by resetting the connection rather than ending the stream.</summary>
    public bool Abort { get; set; }
}

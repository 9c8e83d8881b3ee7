using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent.Status;

/// <summary>
/// One element of GET /api/v1/peers. A wire type of its own because DESIGN.md spells the AS
/// fields <c>peerASN</c> and <c>localASN</c>; it is also what <c>beacon peers</c> reads back.
/// </summary>
internal sealed record PeerResource
{
    public required string Name { get; init; }
    public required string PeerAddress { get; init; }

    [JsonPropertyName("peerASN")]
    public required uint PeerAsn { get; init; }

    [JsonPropertyName("localASN")]
    public required uint LocalAsn { get; init; }

    public required SessionState State { get; init; }
    public DateTimeOffset? EstablishedTime { get; init; }
    public int HoldTime { get; init; }
    public int KeepaliveTime { get; init; }
    public ImmutableArray<FamilyStatus> Families { get; init; } = [];
    public ImmutableArray<string> PeerCapabilities { get; init; } = [];
    public string? LastError { get; init; }
    public long MessagesSent { get; init; }
    public long MessagesReceived { get; init; }

    public static PeerResource From(PeerStatus peer) => new()
    {
        Name = peer.Name,
        PeerAddress = peer.PeerAddress,
        PeerAsn = peer.PeerAsn,
        LocalAsn = peer.LocalAsn,
        State = peer.State,
        EstablishedTime = peer.EstablishedTime,
        HoldTime = peer.HoldTime,
        KeepaliveTime = peer.KeepaliveTime,
        Families = peer.Families,
        PeerCapabilities = peer.PeerCapabilities,
        LastError = peer.LastError,
        MessagesSent = peer.MessagesSent,
        MessagesReceived = peer.MessagesReceived,
    };
}

/// <summary>
/// One element of GET /api/v1/routes as <c>beacon routes</c> reads it back; the server writes
/// <see cref="RouteView"/> itself, whose property names already are the wire names.
/// </summary>
internal sealed record RouteResource
{
    public required string Prefix { get; init; }
    public string? Afi { get; init; }
    public string? NextHop { get; init; }
    public string? Origin { get; init; }

    /// <summary>AS numbers and, for AS_SETs, nested arrays of them.</summary>
    public JsonElement AsPath { get; init; }

    public uint? Med { get; init; }
    public uint? LocalPreference { get; init; }
    public ImmutableArray<string> Communities { get; init; } = [];
    public ImmutableArray<string> LargeCommunities { get; init; } = [];
    public ImmutableArray<string> ExtendedCommunities { get; init; } = [];
    public bool Stale { get; init; }
}

/// <summary>Body of every 4xx answer of the status API.</summary>
internal sealed record ErrorResource(string Error);

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PeerResource[]))]
[JsonSerializable(typeof(RouteView[]))]
[JsonSerializable(typeof(RouteResource[]))]
[JsonSerializable(typeof(ObjectStatus[]))]
[JsonSerializable(typeof(ErrorResource))]
// Runtime types RouteView.AsPath may hold (declared as object).
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(uint[]))]
[JsonSerializable(typeof(object[]))]
[JsonSerializable(typeof(ImmutableArray<uint>))]
[JsonSerializable(typeof(ImmutableArray<object>))]
[JsonSerializable(typeof(List<uint>))]
[JsonSerializable(typeof(List<object>))]
internal sealed partial class StatusJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The generated context first; reflection only for a runtime type the speaker puts in an
    /// AS path that is not listed above, so a new representation there cannot break the endpoint.
    /// </summary>
    public static JsonSerializerOptions WireOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        // Served as application/json only, never inside HTML, so quotes in error messages stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
            Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
    };
}

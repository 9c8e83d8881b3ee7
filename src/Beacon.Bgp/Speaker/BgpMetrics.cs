using System.Diagnostics.Metrics;

namespace Beacon.Bgp.Speaker;

/// <summary>
/// The speaker's instruments. The agent exports every meter of its <see cref="IMeterFactory"/>
/// to Prometheus as <c>{meter}_{instrument}</c>, so the meter name <c>beacon_bgp</c> gives
/// the <c>beacon_bgp_</c> prefix DESIGN.md names.
/// </summary>
public sealed class BgpMetrics
{
    public const string MeterName = "beacon_bgp";

    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _updateErrors;

    // Written once when the speaker exists; read by collection callbacks on the exporter's thread.
    private ISpeakerStatus? _status;

    public BgpMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);

        _messagesSent = meter.CreateCounter<long>(
            "messages_sent_total", description: "BGP messages sent, by peer and message type.");
        _messagesReceived = meter.CreateCounter<long>(
            "messages_received_total", description: "BGP messages received, by peer and message type.");
        _updateErrors = meter.CreateCounter<long>(
            "update_errors_total",
            description: "Malformed UPDATE messages by the RFC 7606 action taken (treat-as-withdraw, attribute-discard, session-reset).");

        meter.CreateObservableGauge(
            "session_up", ObserveSessionUp, description: "1 while the session with the peer is Established, else 0.");
        meter.CreateObservableGauge(
            "session_state", ObserveSessionState, description: "1 for the current RFC 4271 session state of the peer, 0 for the others.");
        meter.CreateObservableGauge(
            "advertised_prefixes", ObserveAdvertised, description: "Prefixes in the Adj-RIB-Out of the peer, by address family.");
        meter.CreateObservableGauge(
            "received_prefixes", ObserveReceived, description: "Prefixes in the Adj-RIB-In of the peer, by address family.");
        meter.CreateObservableGauge(
            "stale_prefixes", () => ObserveFamilies(static f => f.Stale), description: "Received prefixes kept stale while the peer restarts (RFC 4724), by address family.");
    }

    /// <summary>Feeds the gauges; until called they report nothing.</summary>
    public void ObserveStatus(ISpeakerStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        Volatile.Write(ref _status, status);
    }

    /// <param name="type">Message type as RFC 4271 §4.1 names it: OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.</param>
    public void MessageSent(string peer, string type, long count = 1) =>
        _messagesSent.Add(count, new KeyValuePair<string, object?>("peer", peer), new KeyValuePair<string, object?>("type", type));

    /// <param name="type">Message type as RFC 4271 §4.1 names it: OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.</param>
    public void MessageReceived(string peer, string type) =>
        _messagesReceived.Add(1, new KeyValuePair<string, object?>("peer", peer), new KeyValuePair<string, object?>("type", type));

    /// <param name="action">RFC 7606 §2 outcome: treat-as-withdraw, attribute-discard or session-reset.</param>
    public void UpdateErrorAction(string peer, string action) =>
        _updateErrors.Add(1, new KeyValuePair<string, object?>("peer", peer), new KeyValuePair<string, object?>("action", action));

    private IReadOnlyList<PeerStatus> Peers() => Volatile.Read(ref _status)?.GetPeers() ?? [];

    private IEnumerable<Measurement<int>> ObserveSessionUp()
    {
        foreach (var peer in Peers())
        {
            yield return new Measurement<int>(
                peer.State == SessionState.Established ? 1 : 0,
                new KeyValuePair<string, object?>("peer", peer.Name));
        }
    }

    // Every state is reported for every peer, so the series of a state the session has left drops to 0
    // instead of keeping its last value.
    private IEnumerable<Measurement<int>> ObserveSessionState()
    {
        foreach (var peer in Peers())
        {
            foreach (var state in Enum.GetValues<SessionState>())
            {
                yield return new Measurement<int>(
                    peer.State == state ? 1 : 0,
                    new KeyValuePair<string, object?>("peer", peer.Name),
                    new KeyValuePair<string, object?>("state", state.ToString()));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveAdvertised() => ObserveFamilies(static f => f.Advertised);

    private IEnumerable<Measurement<int>> ObserveReceived() => ObserveFamilies(static f => f.Received);

    private IEnumerable<Measurement<int>> ObserveFamilies(Func<FamilyStatus, int> count)
    {
        foreach (var peer in Peers())
        {
            foreach (var family in peer.Families)
            {
                yield return new Measurement<int>(
                    count(family),
                    new KeyValuePair<string, object?>("peer", peer.Name),
                    new KeyValuePair<string, object?>("afi", family.Afi));
            }
        }
    }
}

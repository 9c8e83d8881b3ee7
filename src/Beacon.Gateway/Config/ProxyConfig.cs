using System.Collections.Immutable;

namespace Beacon.Gateway.Config;

// The proxy configuration: the output of the gateway translator (pure, golden-tested as JSON)
// and the only input of the data plane. Everything here is resolved already: listeners are
// grouped by the socket they are served on, routes are flattened to one entry per HTTPRoute
// match and sorted in the Gateway API's precedence order, backends carry their ready
// endpoints. The data plane compiles it (regexes, host tables) and swaps it in atomically.
// Collections are ordered deterministically so the JSON form is stable.

/// <summary>Everything this node's data plane serves.</summary>
/// <param name="Binds">One per local socket (address and port), ordered by address then port.</param>
/// <param name="Backends">Every backend a rule or mirror refers to, keyed by <see cref="BackendConfig.Id"/>.</param>
public sealed record ProxyConfig(
    ImmutableArray<BindConfig> Binds,
    ImmutableSortedDictionary<string, BackendConfig> Backends)
{
    public static ProxyConfig Empty { get; } = new([], ImmutableSortedDictionary<string, BackendConfig>.Empty.WithComparers(StringComparer.Ordinal));
}

/// <summary>
/// A socket Beacon listens on and the Gateway listeners served on it. Listeners of different
/// Gateways share a bind only when they share address and port (then their hostnames must
/// differ, else the translator drops them as Conflicted).
/// </summary>
/// <param name="Address">An IP address literal (IPv4 or IPv6, no brackets).</param>
/// <param name="Protocol"><see cref="ListenerProtocols"/>: HTTP now; HTTPS and TLS later.</param>
/// <param name="Listeners">
/// In listener precedence order (Gateway API, listener hostnames): exact hostnames first, then
/// wildcards with more labels before fewer, then the listener without hostname. A request is
/// served by the first listener whose hostname matches its Host (listener isolation).
/// </param>
public sealed record BindConfig(
    string Address,
    int Port,
    string Protocol,
    ImmutableArray<ListenerConfig> Listeners);

public static class ListenerProtocols
{
    public const string Http = "HTTP";
    public const string Https = "HTTPS";
    public const string Tls = "TLS";
}

/// <summary>One Gateway listener as served on one bind.</summary>
/// <param name="Gateway"><c>namespace/name</c> of the Gateway.</param>
/// <param name="Name">The listener's <c>name</c> (its sectionName).</param>
/// <param name="Hostname">Exact (<c>foo.example.com</c>), wildcard (<c>*.example.com</c>) or null (any host).</param>
/// <param name="VirtualHosts">
/// The routes attached to this listener grouped by effective hostname (route hostnames
/// intersected with the listener's). Ordered exact hostnames first, then wildcards by label
/// count descending, then <c>*</c> (any host) last. A request uses the first virtual host
/// that matches its Host (port ignored); within it, the first matching route entry.
/// </param>
public sealed record ListenerConfig(
    string Gateway,
    string Name,
    string? Hostname,
    ImmutableArray<VirtualHostConfig> VirtualHosts);

/// <summary>
/// Route entries that serve one hostname. A host group holds every entry whose route's
/// effective hostnames match it, ordered by the Gateway API precedence: routes with the more
/// specific matching hostname first (exact before wildcard, longer before shorter), then
/// match precedence (Exact path, RegularExpression (longest first), longest PathPrefix, method, most header
/// matches, most query matches), then the oldest route, then <c>namespace/name</c>, then rule
/// order, then match order.
/// </summary>
/// <param name="Hostname">Exact hostname, <c>*.suffix</c> wildcard, or <c>*</c> for any host.</param>
public sealed record VirtualHostConfig(
    string Hostname,
    ImmutableArray<RouteEntryConfig> Routes);

/// <summary>One HTTPRoute match (matches in a rule are ORed, so each is its own entry).</summary>
/// <param name="Route"><c>namespace/name</c> of the HTTPRoute.</param>
/// <param name="RuleIndex">Index of the rule in <c>spec.rules</c>.</param>
/// <param name="RuleName">The rule's optional <c>name</c>.</param>
/// <param name="MatchIndex">Index of the match in the rule's <c>matches</c> (0 for the implicit <c>PathPrefix /</c>).</param>
public sealed record RouteEntryConfig(
    string Route,
    int RuleIndex,
    string? RuleName,
    int MatchIndex,
    MatchConfig Match,
    RuleActionConfig Action);

/// <summary>All conditions must hold (ANDed).</summary>
/// <param name="Method">Upper-case HTTP method, or null for any.</param>
public sealed record MatchConfig(
    PathMatchConfig Path,
    ImmutableArray<ValueMatchConfig> Headers,
    ImmutableArray<ValueMatchConfig> QueryParams,
    string? Method);

public static class MatchTypes
{
    public const string Exact = "Exact";
    public const string PathPrefix = "PathPrefix";
    public const string RegularExpression = "RegularExpression";
}

/// <summary>
/// <c>Exact</c>: the whole path. <c>PathPrefix</c>: element-wise prefix, a trailing <c>/</c>
/// of <see cref="Value"/> ignored (<c>/abc</c> matches <c>/abc</c>, <c>/abc/x</c>, not
/// <c>/abcd</c>). <c>RegularExpression</c>: .NET regex that must match the whole path.
/// </summary>
public sealed record PathMatchConfig(string Type, string Value);

/// <summary>
/// A header (name case-insensitive) or query parameter (name case-sensitive) match:
/// <c>Exact</c> or <c>RegularExpression</c> (whole value). For a repeated query parameter the
/// first value counts; repeated headers are compared as their comma-joined value.
/// </summary>
public sealed record ValueMatchConfig(string Type, string Name, string Value);

/// <summary>What a matched request gets: filters in order, then the backend pick.</summary>
/// <param name="Id"><c>namespace/name/rules[i]</c>: the rule this action comes from.</param>
/// <param name="Filters">In the order the route lists them; the data plane applies them in this order.</param>
/// <param name="Backends">
/// The weighted choice for forwarding. Empty when a RequestRedirect answers (or no backendRefs
/// and no redirect: then <see cref="DirectStatus"/> is 500).
/// </param>
/// <param name="DirectStatus">A status answered without forwarding when there is nothing to forward to (500), else null.</param>
public sealed record RuleActionConfig(
    string Id,
    ImmutableArray<FilterConfig> Filters,
    ImmutableArray<WeightedBackendConfig> Backends,
    TimeoutsConfig Timeouts,
    int? DirectStatus);

/// <param name="Request">The whole client request (Gateway API <c>timeouts.request</c>); null = none.</param>
/// <param name="BackendRequest">One request to a backend (<c>timeouts.backendRequest</c>); null = none.</param>
public sealed record TimeoutsConfig(TimeSpan? Request, TimeSpan? BackendRequest)
{
    public static TimeoutsConfig None { get; } = new(null, null);
}

/// <summary>
/// One backendRef as a weighted share. An invalid ref (missing Service, no grant, unknown
/// kind, weight share of a bad port) keeps its weight and has <see cref="BackendId"/> null and
/// <see cref="InvalidStatus"/> 500: its share of requests gets that status.
/// </summary>
/// <param name="BackendId">Key into <see cref="ProxyConfig.Backends"/>, or null when invalid.</param>
/// <param name="Filters">backendRef-level filters (header modifiers), applied after the rule's.</param>
public sealed record WeightedBackendConfig(
    int Weight,
    string? BackendId,
    int? InvalidStatus,
    ImmutableArray<FilterConfig> Filters);

/// <summary>
/// A Service port and its ready endpoints. No endpoints: requests get 503.
/// </summary>
/// <param name="Id"><c>namespace/service:port</c>.</param>
/// <param name="Protocol"><see cref="BackendProtocols"/>, from the Service port's <c>appProtocol</c>.</param>
/// <param name="Endpoints">Ready endpoints as <c>address:port</c> (IPv6 in brackets), sorted.</param>
public sealed record BackendConfig(
    string Id,
    string Protocol,
    ImmutableArray<string> Endpoints);

public static class BackendProtocols
{
    /// <summary>HTTP/1.1 (WebSocket upgrades pass through).</summary>
    public const string Http = "http";

    /// <summary>HTTP/2 with prior knowledge over cleartext (<c>kubernetes.io/h2c</c>).</summary>
    public const string H2c = "h2c";

    /// <summary>WebSocket over HTTP/1.1 (<c>kubernetes.io/ws</c>).</summary>
    public const string WebSocket = "ws";
}

/// <summary>
/// One filter; exactly one of the payloads matches <see cref="Type"/> (the Gateway API
/// filter type names: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect,
/// URLRewrite, RequestMirror, CORS).
/// </summary>
public sealed record FilterConfig(
    string Type,
    HeaderModifierConfig? RequestHeaderModifier = null,
    HeaderModifierConfig? ResponseHeaderModifier = null,
    RedirectConfig? RequestRedirect = null,
    UrlRewriteConfig? UrlRewrite = null,
    MirrorConfig? RequestMirror = null,
    CorsConfig? Cors = null);

public static class FilterTypes
{
    public const string RequestHeaderModifier = "RequestHeaderModifier";
    public const string ResponseHeaderModifier = "ResponseHeaderModifier";
    public const string RequestRedirect = "RequestRedirect";
    public const string UrlRewrite = "URLRewrite";
    public const string RequestMirror = "RequestMirror";
    public const string Cors = "CORS";
}

/// <summary>Set replaces all values, Add appends a value, Remove deletes; names are case-insensitive and unique (first entry wins).</summary>
public sealed record HeaderModifierConfig(
    ImmutableArray<HeaderValueConfig> Set,
    ImmutableArray<HeaderValueConfig> Add,
    ImmutableArray<string> Remove);

public sealed record HeaderValueConfig(string Name, string Value);

/// <summary>
/// RequestRedirect. Null fields keep the request's value. <see cref="Port"/> null: the
/// well-known port of <see cref="Scheme"/> when it is set, else the listener's port; the
/// Location omits 80 for http and 443 for https.
/// </summary>
/// <param name="StatusCode">301, 302, 303, 307 or 308.</param>
public sealed record RedirectConfig(
    string? Scheme,
    string? Hostname,
    int? Port,
    PathModifierConfig? Path,
    int StatusCode);

/// <summary>URLRewrite: replaces the Host header and/or the path when forwarding.</summary>
public sealed record UrlRewriteConfig(string? Hostname, PathModifierConfig? Path);

/// <summary>
/// <c>ReplaceFullPath</c>: the path becomes <see cref="Value"/>. <c>ReplacePrefixMatch</c>: the
/// entry's PathPrefix match value is replaced by <see cref="Value"/> (Gateway API table:
/// trailing slashes of either side ignored; an empty result is <c>/</c>). The query string is kept.
/// </summary>
public sealed record PathModifierConfig(string Type, string Value);

public static class PathModifierTypes
{
    public const string ReplaceFullPath = "ReplaceFullPath";
    public const string ReplacePrefixMatch = "ReplacePrefixMatch";
}

/// <summary>
/// RequestMirror: a copy of the request (after the request filters before it) goes to one
/// endpoint of <see cref="BackendId"/> for <see cref="Numerator"/>/<see cref="Denominator"/>
/// of requests; the response is discarded and never delays or fails the main request.
/// </summary>
public sealed record MirrorConfig(string BackendId, int Numerator, int Denominator);

/// <summary>
/// CORS (Gateway API HTTPCORSFilter). <see cref="AllowOrigins"/> entries are
/// <c>scheme://host[:port]</c> with an optional leading <c>*</c> label wildcard, or <c>*</c>.
/// </summary>
public sealed record CorsConfig(
    ImmutableArray<string> AllowOrigins,
    bool AllowCredentials,
    ImmutableArray<string> AllowMethods,
    ImmutableArray<string> AllowHeaders,
    ImmutableArray<string> ExposeHeaders,
    int MaxAgeSeconds);

using Microsoft.AspNetCore.Http;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>
/// What a request path names: <c>/api/v1/[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]</c> or the same under
/// <c>/apis/{group}/{version}</c>, and the Kubernetes verb its method and query make.
/// </summary>
internal sealed record RequestTarget(string[] Segments, ResourceKind? Kind, string? Namespace, string? Name, string? Subresource, string Verb)
{
    /// <summary>The resource as RBAC and failure injection name it: <c>services</c> or <c>services/status</c>.</summary>
    public string ResourceName => Kind is null ? "" : Subresource is null ? Kind.Plural : $"{Kind.Plural}/{Subresource}";

    public static RequestTarget Parse(string path, string method, IQueryCollection query, ObjectStore store)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var discovery = new RequestTarget(segments, null, null, null, null, "get");
        string group;
        string version;
        ArraySegment<string> rest;
        if (segments is ["api", var coreVersion, _, ..])
        {
            (group, version, rest) = ("", coreVersion, segments[2..]);
        }
        else if (segments is ["apis", var g, var v, _, ..])
        {
            (group, version, rest) = (g, v, segments[3..]);
        }
        else
        {
            return discovery;
        }

        string? ns = null;
        ResourceKind? kind;
        if (rest is ["namespaces", var nsName, var plural, ..] && store.Find(group, plural) is { Namespaced: true } namespaced)
        {
            (ns, kind, rest) = (nsName, namespaced, rest[3..]);
        }
        else
        {
            kind = store.Find(group, rest[0]);
            rest = rest[1..];
        }

        if (kind is null || kind.Version != version || rest.Count > 2)
        {
            return discovery;
        }

        var name = rest.Count > 0 ? rest[0] : null;
        var subresource = rest.Count > 1 ? rest[1] : null;
        if (subresource is not null && (subresource != "status" || !kind.HasStatus))
        {
            return discovery;
        }

        if (kind.Namespaced && ns is null && name is not null)
        {
            return discovery;
        }

        var verb = (method, name) switch
        {
            ("GET", null) when query["watch"] is ["true"] or ["1"] => "watch",
            ("GET", null) => "list",
            ("GET", _) => "get",
            ("POST", null) => "create",
            ("PUT", not null) => "update",
            ("PATCH", not null) => "patch",
            ("DELETE", not null) => "delete",
            ("DELETE", null) => "deletecollection",
            _ => "unsupported",
        };
        if (subresource is not null && verb is not ("get" or "update" or "patch"))
        {
            verb = "unsupported";
        }

        return new RequestTarget(segments, kind, ns, name, subresource, verb);
    }
}

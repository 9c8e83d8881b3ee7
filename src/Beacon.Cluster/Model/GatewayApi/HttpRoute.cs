using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model.GatewayApi;

/// <summary>HTTP routing rules attached to Gateway listeners (namespaced).</summary>
[KubernetesEntity(Group = GatewayApiGroup.Group, ApiVersion = GatewayApiGroup.V1, Kind = KindName, PluralName = "httproutes")]
public sealed class HttpRoute : IKubernetesObject<V1ObjectMeta>, ISpec<HttpRouteSpec>, IStatus<HttpRouteStatus?>
{
    public const string KindName = "HTTPRoute";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersionV1;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public HttpRouteSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public HttpRouteStatus? Status { get; set; }
}

public sealed class HttpRouteSpec
{
    [JsonPropertyName("parentRefs")]
    public IList<ParentReference>? ParentRefs { get; set; }

    [JsonPropertyName("hostnames")]
    public IList<string>? Hostnames { get; set; }

    [JsonPropertyName("rules")]
    public IList<HttpRouteRule>? Rules { get; set; }
}

/// <summary>A route's parent (default group gateway.networking.k8s.io, kind Gateway, the route's namespace).</summary>
public sealed class ParentReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("sectionName")]
    public string? SectionName { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

public sealed class HttpRouteRule
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Absent: one match <c>PathPrefix /</c>.</summary>
    [JsonPropertyName("matches")]
    public IList<HttpRouteMatch>? Matches { get; set; }

    [JsonPropertyName("filters")]
    public IList<HttpRouteFilter>? Filters { get; set; }

    [JsonPropertyName("backendRefs")]
    public IList<HttpBackendRef>? BackendRefs { get; set; }

    [JsonPropertyName("timeouts")]
    public HttpRouteTimeouts? Timeouts { get; set; }
}

public sealed class HttpRouteMatch
{
    /// <summary>Default <c>PathPrefix /</c>.</summary>
    [JsonPropertyName("path")]
    public HttpPathMatch? Path { get; set; }

    [JsonPropertyName("headers")]
    public IList<HttpValueMatch>? Headers { get; set; }

    [JsonPropertyName("queryParams")]
    public IList<HttpValueMatch>? QueryParams { get; set; }

    [JsonPropertyName("method")]
    public string? Method { get; set; }
}

public sealed class HttpPathMatch
{
    /// <summary>Exact, PathPrefix (default) or RegularExpression.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Default <c>/</c>.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

/// <summary>A header or query parameter match; <c>type</c> Exact (default) or RegularExpression.</summary>
public sealed class HttpValueMatch
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class HttpRouteFilter
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("requestHeaderModifier")]
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }

    [JsonPropertyName("responseHeaderModifier")]
    public HttpHeaderFilter? ResponseHeaderModifier { get; set; }

    [JsonPropertyName("requestMirror")]
    public HttpRequestMirrorFilter? RequestMirror { get; set; }

    [JsonPropertyName("requestRedirect")]
    public HttpRequestRedirectFilter? RequestRedirect { get; set; }

    [JsonPropertyName("urlRewrite")]
    public HttpUrlRewriteFilter? UrlRewrite { get; set; }

    [JsonPropertyName("cors")]
    public HttpCorsFilter? Cors { get; set; }

    [JsonPropertyName("extensionRef")]
    public LocalObjectReference? ExtensionRef { get; set; }
}

public sealed class HttpHeaderFilter
{
    [JsonPropertyName("set")]
    public IList<HttpHeader>? Set { get; set; }

    [JsonPropertyName("add")]
    public IList<HttpHeader>? Add { get; set; }

    [JsonPropertyName("remove")]
    public IList<string>? Remove { get; set; }
}

public sealed class HttpHeader
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class HttpRequestMirrorFilter
{
    [JsonPropertyName("backendRef")]
    public BackendObjectReference? BackendRef { get; set; }

    [JsonPropertyName("percent")]
    public int? Percent { get; set; }

    [JsonPropertyName("fraction")]
    public Fraction? Fraction { get; set; }
}

public sealed class Fraction
{
    [JsonPropertyName("numerator")]
    public int? Numerator { get; set; }

    /// <summary>Default 100.</summary>
    [JsonPropertyName("denominator")]
    public int? Denominator { get; set; }
}

public sealed class HttpRequestRedirectFilter
{
    [JsonPropertyName("scheme")]
    public string? Scheme { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("path")]
    public HttpPathModifier? Path { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    /// <summary>Default 302.</summary>
    [JsonPropertyName("statusCode")]
    public int? StatusCode { get; set; }
}

public sealed class HttpUrlRewriteFilter
{
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("path")]
    public HttpPathModifier? Path { get; set; }
}

public sealed class HttpPathModifier
{
    /// <summary>ReplaceFullPath or ReplacePrefixMatch.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("replaceFullPath")]
    public string? ReplaceFullPath { get; set; }

    [JsonPropertyName("replacePrefixMatch")]
    public string? ReplacePrefixMatch { get; set; }
}

public sealed class HttpCorsFilter
{
    [JsonPropertyName("allowOrigins")]
    public IList<string>? AllowOrigins { get; set; }

    [JsonPropertyName("allowCredentials")]
    public bool? AllowCredentials { get; set; }

    [JsonPropertyName("allowMethods")]
    public IList<string>? AllowMethods { get; set; }

    [JsonPropertyName("allowHeaders")]
    public IList<string>? AllowHeaders { get; set; }

    [JsonPropertyName("exposeHeaders")]
    public IList<string>? ExposeHeaders { get; set; }

    /// <summary>Seconds; default 5.</summary>
    [JsonPropertyName("maxAge")]
    public int? MaxAge { get; set; }
}

public sealed class LocalObjectReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

/// <summary>A backend (default group core, kind Service, the route's namespace).</summary>
public sealed class BackendObjectReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

public sealed class HttpBackendRef
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    /// <summary>Default 1.</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; set; }

    [JsonPropertyName("filters")]
    public IList<HttpRouteFilter>? Filters { get; set; }
}

/// <summary>GEP-2257 durations (<c>1h2m3s500ms</c>); <c>0s</c> disables.</summary>
public sealed class HttpRouteTimeouts
{
    [JsonPropertyName("request")]
    public string? Request { get; set; }

    [JsonPropertyName("backendRequest")]
    public string? BackendRequest { get; set; }
}

public sealed class HttpRouteStatus
{
    [JsonPropertyName("parents")]
    public IList<RouteParentStatus>? Parents { get; set; }
}

public sealed class RouteParentStatus
{
    [JsonPropertyName("parentRef")]
    public ParentReference? ParentRef { get; set; }

    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

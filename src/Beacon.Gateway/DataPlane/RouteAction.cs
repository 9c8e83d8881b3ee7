using Beacon.Gateway.Config;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Beacon.Gateway.DataPlane;

/// <summary>A request mutation applied when forwarding or mirroring: a header modifier or a URL rewrite.</summary>
internal sealed class RequestStep
{
    public HeaderModifier? Headers { get; init; }

    public string? Hostname { get; init; }

    public PathModifierConfig? Path { get; init; }

    /// <summary>Applies <paramref name="steps"/> in order; the Host header is the client's unless a rewrite sets it.</summary>
    public static void ApplyAll(RequestStep[] steps, HttpContext context, HttpRequestMessage request, string destinationPrefix, string normalizedPrefix)
    {
        var host = context.Request.Host.Value;
        string? path = null;
        foreach (var step in steps)
        {
            step.Headers?.Apply(request);
            if (step.Hostname is not null)
            {
                host = step.Hostname;
            }

            if (step.Path is not null)
            {
                path = PathRules.Modify(path ?? RequestPath(context.Request), step.Path, normalizedPrefix);
            }
        }

        request.Headers.Host = host;
        if (path is not null)
        {
            request.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), context.Request.QueryString);
        }
    }

    public static string RequestPath(HttpRequest request)
    {
        var path = request.Path.Value;
        return string.IsNullOrEmpty(path) ? "/" : path;
    }
}

/// <summary>Forwarding transforms of one weighted share: the rule's request steps then the backendRef's, response headers, CORS.</summary>
internal sealed class GatewayTransformer(RequestStep[] steps, HeaderModifier[] responseModifiers, CorsPolicy? cors, string normalizedPrefix) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        RequestStep.ApplyAll(steps, httpContext, proxyRequest, destinationPrefix, normalizedPrefix);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is null)
        {
            return result;
        }

        var headers = httpContext.Response.Headers;
        foreach (var modifier in responseModifiers)
        {
            modifier.Apply(headers);
        }

        cors?.ApplyToResponse(httpContext);
        return result;
    }
}

/// <summary>One weighted backendRef, compiled.</summary>
internal sealed class Share
{
    /// <summary>Null when the ref is invalid or names an unknown backend: the share answers <see cref="Status"/>.</summary>
    public BackendTarget? Backend { get; init; }

    public int Status { get; init; } = StatusCodes.Status500InternalServerError;

    public required GatewayTransformer Transformer { get; init; }
}

/// <summary>RequestMirror with its deterministic sampler.</summary>
internal sealed class MirrorTarget(BackendTarget? backend, int numerator, int denominator, RequestStep[] precedingSteps)
{
    private long _count;

    /// <summary>Null when the mirror's backend is unknown (nothing is sent).</summary>
    public BackendTarget? Backend { get; } = backend;

    public RequestStep[] PrecedingSteps { get; } = precedingSteps;

    /// <summary>
    /// Sends request n when ⌊n·num/den⌋ grows, which spreads exactly num of every den requests
    /// evenly (no randomness to make the conformance tolerance flaky).
    /// </summary>
    public bool Sample()
    {
        if (numerator <= 0 || denominator <= 0)
        {
            return false;
        }

        if (numerator >= denominator)
        {
            return true;
        }

        var n = Interlocked.Increment(ref _count) % denominator;
        if (n == 0)
        {
            n = denominator;
        }

        return n * numerator / denominator > (n - 1) * numerator / denominator;
    }
}

internal enum PreStepKind
{
    Cors,
    Redirect,
    Mirror,
}

/// <summary>The filters that act before forwarding, in route order.</summary>
internal sealed class PreStep
{
    public PreStepKind Kind { get; init; }

    public CorsPolicy? Cors { get; init; }

    public RedirectConfig? Redirect { get; init; }

    public MirrorTarget? Mirror { get; init; }
}

/// <summary>A compiled <see cref="RuleActionConfig"/> for one route entry.</summary>
internal sealed class RouteAction
{
    public required string Id { get; init; }

    public required PreStep[] PreSteps { get; init; }

    public required Share[] Shares { get; init; }

    /// <summary>Null when all weights are 0 or there are no shares.</summary>
    public WeightedPicker? Picker { get; init; }

    public int? DirectStatus { get; init; }

    public TimeSpan? RequestTimeout { get; init; }

    public TimeSpan? BackendTimeout { get; init; }

    /// <summary>The entry's PathPrefix (normalized) for ReplacePrefixMatch; empty otherwise.</summary>
    public required string NormalizedPrefix { get; init; }

    public bool HasMirror { get; init; }
}

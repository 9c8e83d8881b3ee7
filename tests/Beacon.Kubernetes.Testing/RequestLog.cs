using Beacon.Kubernetes.Testing.Api;
using Microsoft.AspNetCore.Http;

namespace Beacon.Kubernetes.Testing;

/// <summary>One request the server answered: the Kubernetes verb and resource it named and the status code sent.</summary>
public sealed record ApiRequest(
    string Method, string Path, string Query, string Verb, string Resource, string? Namespace, string? Name, int StatusCode);

internal sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<ApiRequest> _requests = [];

    public IReadOnlyList<ApiRequest> Snapshot()
    {
        lock (_gate)
        {
            return [.. _requests];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    public void Add(HttpContext context, RequestTarget target)
    {
        var request = new ApiRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.QueryString.Value ?? "",
            target.Verb,
            target.ResourceName,
            target.Namespace,
            target.Name,
            context.Response.StatusCode);
        lock (_gate)
        {
            _requests.Add(request);
        }
    }
}

/// <summary>Failures armed by the test: the next N requests matching a verb and resource get an error Status.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Fault> _faults = [];

    public void Add(string verb, string resource, int count, int statusCode)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(verb, resource, statusCode) { Remaining = count });
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    public void Check(string verb, string resource)
    {
        lock (_gate)
        {
            var fault = _faults.Find(f => (f.Verb == "*" || f.Verb == verb) && (f.Resource == "*" || f.Resource == resource));
            if (fault is null)
            {
                return;
            }

            if (--fault.Remaining == 0)
            {
                _faults.Remove(fault);
            }

            throw ApiStatus.Injected(fault.StatusCode);
        }
    }

    private sealed record Fault(string Verb, string Resource, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}

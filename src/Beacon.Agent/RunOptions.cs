using System.Net;

namespace Beacon.Agent;

/// <summary>The parsed <c>beacon run</c> command line (DESIGN.md, Interfaces).</summary>
public sealed record RunOptions
{
    /// <summary>Manifest directory source; null when the Kubernetes API is the source.</summary>
    public string? ManifestDirectory { get; init; }

    /// <summary>Explicit kubeconfig; null means $KUBECONFIG or in-cluster configuration.</summary>
    public string? KubeconfigPath { get; init; }

    public required string NodeName { get; init; }

    public IPEndPoint StatusListen { get; init; } = DefaultStatusListen;

    /// <summary>
    /// The dummy interface Beacon puts Gateway addresses on so its proxy can bind them, or
    /// null when they are local already (<c>--gateway-interface none</c>; the default with
    /// <c>--manifests</c>).
    /// </summary>
    public string? GatewayInterface { get; init; }

    public static IPEndPoint DefaultStatusListen { get; } = new(IPAddress.Loopback, 9179);
}

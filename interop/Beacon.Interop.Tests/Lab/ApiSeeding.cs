using System.Text.Json.Nodes;
using Beacon.Cluster.Manifests;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;

namespace Beacon.Interop.Tests.Lab;

/// <summary>Puts objects written as manifests straight into the in-process API server's store.</summary>
public static class ApiSeeding
{
    public static void Seed(TestApiServer server, params string[] documents)
    {
        var snapshot = ManifestDirectorySource.LoadText(string.Join("\n---\n", documents));
        if (!snapshot.Errors.IsEmpty)
        {
            throw new InvalidOperationException($"bad seed manifests: {string.Join("; ", snapshot.Errors)}");
        }

        foreach (var obj in snapshot.ClusterConfigs.Values.Cast<IKubernetesObject<V1ObjectMeta>>()
            .Concat(snapshot.PeerConfigs.Values).Concat(snapshot.Advertisements.Values).Concat(snapshot.IpPools.Values)
            .Concat(snapshot.Nodes.Values).Concat(snapshot.Services.Values).Concat(snapshot.EndpointSlices.Values))
        {
            var kind = server.Store.FindByKind(obj.ApiVersion, obj.Kind)
                ?? throw new InvalidOperationException($"{obj.Kind} is not served by the test API server");
            server.Store.Put(kind, JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject());
        }
    }
}

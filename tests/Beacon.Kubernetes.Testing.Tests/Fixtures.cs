using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

/// <summary>A custom resource as a client models it: spec and status as free JSON.</summary>
public sealed class CustomObject : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "beacon.dev/v1alpha1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "BGPClusterConfig";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonObject? Status { get; set; }
}

public sealed class CustomObjectList : IKubernetesObject<V1ListMeta>, IItems<CustomObject>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<CustomObject> Items { get; set; } = [];
}

internal static class Fixtures
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static k8s.Kubernetes Client(TestApiServer server) => new(server.ClientConfiguration);

    public static V1Service Service(string name, string ns = "default", IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }],
        },
    };

    public static V1Secret Secret(string name, string ns, string password) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Data = new Dictionary<string, byte[]> { ["password"] = System.Text.Encoding.UTF8.GetBytes(password) },
    };

    public static Task CreateNamespaceAsync(k8s.Kubernetes client, string name) =>
        client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });

    public static async Task<HttpOperationException> FailsWith(HttpStatusCode code, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(code, e.Response.StatusCode);
        return e;
    }

    /// <summary>The metav1.Status a failed call carried.</summary>
    public static V1Status Status(HttpOperationException e) => KubernetesJson.Deserialize<V1Status>(e.Response.Content);

    public static async Task<(WatchEventType Type, T Object)> NextAsync<T>(this IAsyncEnumerator<(WatchEventType, T)> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience), "the watch ended");
        return events.Current;
    }
}

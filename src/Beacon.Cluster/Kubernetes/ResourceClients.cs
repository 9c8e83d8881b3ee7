using System.Runtime.CompilerServices;
using System.Text.Json;
using Beacon.Cluster.Model;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Kubernetes;

/// <summary>An <see cref="IResourceClient{T}"/> over a list call and a watch call of the generated client.</summary>
internal sealed class ResourceClient<T> : IResourceClient<T>
{
    private readonly Func<string?, int, CancellationToken, Task<ResourcePage<T>>> _list;
    private readonly Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> _watch;

    public ResourceClient(
        string resource,
        Func<string?, int, CancellationToken, Task<ResourcePage<T>>> list,
        Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch)
    {
        Resource = resource;
        _list = list;
        _watch = watch;
    }

    public string Resource { get; }

    public Task<ResourcePage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken) =>
        _list(continueToken, limit, cancellationToken);

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken) =>
        _watch(resourceVersion, onError, cancellationToken);
}

/// <summary>The list body of a custom resource, as the generic custom-objects API returns it.</summary>
internal sealed class CustomResourceList<T>
{
    public V1ListMeta? Metadata { get; set; }

    public List<T>? Items { get; set; }
}

/// <summary>The resources Beacon reads from the API server, and how to list and watch each.</summary>
internal static class ResourceClients
{
    public static ResourceClient<V1Service> Services(IKubernetes client, int watchTimeoutSeconds) => new(
        "services",
        async (cont, limit, ct) =>
        {
            var list = await client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: cont, limit: limit, cancellationToken: ct);
            return new(list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        },
        (rv, onError, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static ResourceClient<V1EndpointSlice> EndpointSlices(IKubernetes client, int watchTimeoutSeconds) => new(
        "endpointslices.discovery.k8s.io",
        async (cont, limit, ct) =>
        {
            var list = await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(continueParameter: cont, limit: limit, cancellationToken: ct);
            return new(list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        },
        (rv, onError, ct) => client.DiscoveryV1.WatchListEndpointSliceForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static ResourceClient<V1Node> Nodes(IKubernetes client, int watchTimeoutSeconds) => new(
        "nodes",
        async (cont, limit, ct) =>
        {
            var list = await client.CoreV1.ListNodeAsync(continueParameter: cont, limit: limit, cancellationToken: ct);
            return new(list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        },
        (rv, onError, ct) => client.CoreV1.WatchListNodeAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static ResourceClient<V1Namespace> Namespaces(IKubernetes client, int watchTimeoutSeconds) => new(
        "namespaces",
        async (cont, limit, ct) =>
        {
            var list = await client.CoreV1.ListNamespaceAsync(continueParameter: cont, limit: limit, cancellationToken: ct);
            return new(list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
        },
        (rv, onError, ct) => client.CoreV1.WatchListNamespaceAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds, onError: onError, cancellationToken: ct));

    /// <summary>
    /// One Secret, by a namespaced list and watch with <c>fieldSelector=metadata.name=…</c>: only that
    /// Secret ever reaches the node, and RBAC can grant exactly this (a Role whose <c>resourceNames</c>
    /// holds the name authorises list and watch restricted to it).
    /// </summary>
    public static ResourceClient<V1Secret> Secret(IKubernetes client, string namespaceName, string name, int watchTimeoutSeconds)
    {
        var byName = $"metadata.name={name}";
        return new(
            $"secrets {namespaceName}/{name}",
            async (cont, limit, ct) =>
            {
                var list = await client.CoreV1.ListNamespacedSecretAsync(
                    namespaceName, continueParameter: cont, fieldSelector: byName, limit: limit, cancellationToken: ct);
                return new(list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
            },
            (rv, onError, ct) => client.CoreV1.WatchListNamespacedSecretAsync(
                namespaceName, allowWatchBookmarks: true, fieldSelector: byName, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds,
                onError: onError, cancellationToken: ct));
    }

    /// <summary>A cluster-scoped custom resource of Beacon's API group.</summary>
    public static ResourceClient<T> Custom<T>(IKubernetes client, string plural, int watchTimeoutSeconds)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Custom<T>(client, BeaconApi.Group, BeaconApi.Version, plural, watchTimeoutSeconds);

    /// <summary>
    /// A custom resource of any group, cluster-scoped or namespaced: for a namespaced one the
    /// path without a namespace (<c>/apis/{group}/{version}/{plural}</c>) lists and watches
    /// every namespace.
    /// </summary>
    public static ResourceClient<T> Custom<T>(IKubernetes client, string group, string version, string plural, int watchTimeoutSeconds)
        where T : class, IKubernetesObject<V1ObjectMeta> => new(
        $"{plural}.{group}",
        async (cont, limit, ct) =>
        {
            var body = await client.CustomObjects.ListClusterCustomObjectAsync(
                group, version, plural, continueParameter: cont, limit: limit, cancellationToken: ct);
            var list = Convert<CustomResourceList<T>>(body);
            return new(list.Items ?? [], list.Metadata?.ResourceVersion ?? "", list.Metadata?.ContinueProperty);
        },
        (rv, onError, ct) => ConvertEvents<T>(client.CustomObjects.WatchListClusterCustomObjectAsync(
            group, version, plural,
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: watchTimeoutSeconds, onError: onError, cancellationToken: ct), onError, ct));

    // The custom-objects API hands back untyped JSON; our models are the types.
    private static TOut Convert<TOut>(object body) =>
        KubernetesJson.Deserialize<TOut>(body is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(body));

    private static async IAsyncEnumerable<(WatchEventType, T)> ConvertEvents<T>(
        IAsyncEnumerable<(WatchEventType, object)> events, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (type, body) in events.WithCancellation(cancellationToken))
        {
            T? item = default;
            try
            {
                item = Convert<T>(body);
            }
            catch (JsonException ex)
            {
                onError(ex);
            }

            if (item is not null)
            {
                yield return (type, item);
            }
        }
    }
}

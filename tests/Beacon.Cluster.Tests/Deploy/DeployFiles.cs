using Beacon.Cluster.Model;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>The files under <c>deploy/</c> and <c>examples/</c>, read from the repository the tests were built from.</summary>
internal static class DeployFiles
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string DeployDirectory => Path.Combine(RepositoryRoot, "deploy");

    public static IReadOnlyList<Type> CrdModelTypes { get; } =
    [
        typeof(BgpClusterConfig),
        typeof(BgpPeerConfig),
        typeof(BgpAdvertisement),
        typeof(LoadBalancerIpPool),
        typeof(BgpNodeState),
    ];

    public static IEnumerable<string> CrdFiles() =>
        Directory.EnumerateFiles(Path.Combine(DeployDirectory, "crds"), "*.yaml").Order(StringComparer.Ordinal);

    public static IReadOnlyList<V1CustomResourceDefinition> LoadCrds() =>
        [.. CrdFiles().Select(file => KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(file)))];

    public static V1CustomResourceDefinition CrdFor(Type modelType)
    {
        var entity = EntityOf(modelType);
        return LoadCrds().Single(crd => crd.Spec.Names.Kind == entity.Kind);
    }

    public static KubernetesEntityAttribute EntityOf(Type modelType) =>
        (KubernetesEntityAttribute)Attribute.GetCustomAttribute(modelType, typeof(KubernetesEntityAttribute))!;

    /// <summary>
    /// The client types <c>items</c> and <c>additionalProperties</c> as <c>object</c>, which the
    /// YAML loader fills with plain dictionaries; this reads such a value as a schema again.
    /// </summary>
    public static V1JSONSchemaProps? AsSchema(object? value) => value switch
    {
        null or bool => null,
        V1JSONSchemaProps schema => schema,
        _ => KubernetesYaml.Deserialize<V1JSONSchemaProps>(KubernetesYaml.Serialize(value)),
    };

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bgp.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Bgp.sln above {AppContext.BaseDirectory}");
    }
}

using System.Collections.Immutable;
using Beacon.Cluster.Validation;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Beacon.Cluster.Manifests;

/// <summary>The objects in one manifest file, and what is wrong with it.</summary>
/// <param name="Objects">Objects of known kinds, valid or not.</param>
/// <param name="Errors">Syntax and validation errors; any of them makes the file unusable.</param>
/// <param name="Ignored">Documents of kinds Beacon does not read: reported, but the rest of the file is used.</param>
internal sealed record ManifestFile(
    ImmutableArray<IKubernetesObject<V1ObjectMeta>> Objects,
    ImmutableArray<SourceError> Errors,
    ImmutableArray<SourceError> Ignored)
{
    public static ManifestFile Empty { get; } = new([], [], []);

    public bool IsUsable => Errors.IsEmpty;

    /// <summary>Parses a multi-document YAML (or JSON) file read whole.</summary>
    public static ManifestFile Parse(string path, string content)
    {
        var objects = ImmutableArray.CreateBuilder<IKubernetesObject<V1ObjectMeta>>();
        var errors = ImmutableArray.CreateBuilder<SourceError>();
        var ignored = ImmutableArray.CreateBuilder<SourceError>();

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content));
        }
        catch (YamlException e)
        {
            errors.Add(new(path, null, null, $"line {e.Start.Line}, column {e.Start.Column}: {Unwrap(e)}"));
            return new([], errors.ToImmutable(), []);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some unterminated
            // flow collections (a file saved half-written); it must not end the watch.
            errors.Add(new(path, null, null, $"not valid YAML: {Unwrap(e)}"));
            return new([], errors.ToImmutable(), []);
        }

        var typeMap = KnownKinds.TypeMap.ToDictionary();
        for (var index = 0; index < stream.Documents.Count; index++)
        {
            var root = stream.Documents[index].RootNode;
            var where = $"document {index + 1} (line {root.Start.Line})";
            if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue;
            }

            if (root is not YamlMappingNode mapping)
            {
                errors.Add(new(path, where, null, "a document must be a mapping (an object)"));
                continue;
            }

            var apiVersion = Scalar(mapping, "apiVersion");
            var kind = Scalar(mapping, "kind");
            if (apiVersion is null || kind is null)
            {
                errors.Add(new(path, where, apiVersion is null ? "apiVersion" : "kind", "required"));
                continue;
            }

            if (!typeMap.ContainsKey($"{apiVersion}/{kind}"))
            {
                ignored.Add(new(path, $"{kind} {Name(mapping)}", null, $"kind {apiVersion}/{kind} is not one Beacon reads; ignored"));
                continue;
            }

            // Re-parse the document on its own with the client's typed loader, keeping its
            // original text so that positions can be mapped back to the file.
            // The parser records no end position for mappings: a document runs to the next
            // document's root; the separator in between only adds an empty document.
            var start = (int)root.Start.Index;
            var next = index + 1 < stream.Documents.Count ? (int)stream.Documents[index + 1].RootNode.Start.Index : content.Length;

            // An empty last document (a file ending in "---") reports a root position outside this document.
            var end = next > start && next <= content.Length ? next : content.Length;
            foreach (var marker in (string[])["\n---", "\n..."])
            {
                // A line starting with a marker can only be a document boundary here: content
                // of the root mapping is indented or starts with a key.
                var at = content.IndexOf(marker, start, end - start, StringComparison.Ordinal);
                if (at >= 0)
                {
                    end = Math.Min(end, at + 1);
                }
            }

            var text = new string(' ', (int)root.Start.Column - 1) + content[start..end];
            IKubernetesObject<V1ObjectMeta> obj;
            try
            {
                obj = (IKubernetesObject<V1ObjectMeta>)KubernetesYaml.LoadAllFromString(text, typeMap, strict: true)[0];
            }
            catch (YamlException e)
            {
                var line = e.Start.Line + root.Start.Line - 1;
                errors.Add(new(path, $"{kind} {Name(mapping)}", null, $"line {line}, column {e.Start.Column}: {Unwrap(e)}"));
                continue;
            }

            if (KnownKinds.IsNamespaced(obj.GetType()) && obj.Metadata is { } metadata && string.IsNullOrEmpty(metadata.NamespaceProperty))
            {
                // As kubectl does for a namespaced object without a namespace.
                metadata.NamespaceProperty = "default";
            }

            if (obj is V1Secret { StringData: { Count: > 0 } stringData } secret)
            {
                // As the API server does on write: stringData is merged into data, winning over it.
                secret.Data ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var (key, value) in stringData)
                {
                    secret.Data[key] = System.Text.Encoding.UTF8.GetBytes(value);
                }

                secret.StringData = null;
            }

            objects.Add(obj);
            foreach (var error in ObjectValidator.Validate(obj))
            {
                errors.Add(new(path, ClusterSnapshot.DisplayName(obj), error.Field, error.Message));
            }
        }

        return new(objects.ToImmutable(), errors.ToImmutable(), ignored.ToImmutable());
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { Length: > 0 } value }
            ? value
            : null;

    private static string Name(YamlMappingNode mapping)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode("metadata"), out var node) || node is not YamlMappingNode metadata)
        {
            return "(unnamed)";
        }

        var name = Scalar(metadata, "name") ?? "(unnamed)";
        return Scalar(metadata, "namespace") is { } ns ? $"{ns}/{name}" : name;
    }

    /// <summary>The deserializer wraps the useful message (e.g. an unknown property) in outer exceptions.</summary>
    private static string Unwrap(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message = inner.Message;
        }

        return message;
    }
}

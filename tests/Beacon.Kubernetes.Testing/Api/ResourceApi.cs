using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using Microsoft.AspNetCore.Http;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>
/// The verbs on one kind with kube-apiserver's semantics (k8s.io/apiserver/pkg/registry/generic/registry):
/// server-owned metadata, optimistic concurrency, the status subresource, finalizers and consistent pages.
/// </summary>
internal sealed partial class ResourceApi(ObjectStore store, bool requireNamespaces)
{
    private readonly Defaults _defaults = new();

    public JsonObject Get(ResourceKind kind, string? ns, string name)
    {
        lock (store.Gate)
        {
            return store.GetLocked(kind, ObjectStore.Key(ns, name))?.DeepClone().AsObject() ?? throw ApiStatus.NotFound(kind, name);
        }
    }

    public JsonObject List(ResourceKind kind, string? ns, IQueryCollection query)
    {
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], kind);
        var limit = ParseLong(query["limit"], "limit") ?? 0;
        string? continueToken = query["continue"];
        lock (store.Gate)
        {
            long revision;
            string? startAfter = null;
            IEnumerable<KeyValuePair<string, JsonObject>> objects;
            if (!string.IsNullOrEmpty(continueToken))
            {
                (revision, startAfter) = DecodeContinue(continueToken);
                if (revision < store.CompactedLocked)
                {
                    throw ApiStatus.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                }

                objects = store.SnapshotLocked(kind, revision);
            }
            else if (query["resourceVersionMatch"] == "Exact" && ParseLong(query["resourceVersion"], "resourceVersion") is { } exact)
            {
                if (exact < store.CompactedLocked)
                {
                    throw ApiStatus.Expired($"too old resource version: {exact} ({store.CompactedLocked})");
                }

                revision = exact;
                objects = store.SnapshotLocked(kind, revision);
            }
            else
            {
                revision = store.RevisionLocked;
                objects = store.ObjectsLocked(kind);
            }

            var matching = objects
                .Where(o => ns is null || o.Key.StartsWith(ns + "/", StringComparison.Ordinal))
                .Where(o => startAfter is null || string.CompareOrdinal(o.Key, startAfter) > 0)
                .Where(o => labels.Matches(o.Value) && fields.Matches(o.Value))
                .ToList();

            var page = limit > 0 && matching.Count > limit ? matching.GetRange(0, (int)limit) : matching;
            var items = new JsonArray();
            foreach (var (_, obj) in page)
            {
                var item = obj.DeepClone().AsObject();
                if (!kind.IsCustom)
                {
                    // Built-in kinds are listed without per-item type metadata; only custom resources carry it.
                    item.Remove("kind");
                    item.Remove("apiVersion");
                }

                items.Add(item);
            }

            var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
            if (page.Count < matching.Count)
            {
                metadata["continue"] = EncodeContinue(revision, page[^1].Key);
                if (labels.IsEmpty && fields.IsEmpty)
                {
                    metadata["remainingItemCount"] = matching.Count - page.Count;
                }
            }

            return new JsonObject
            {
                ["kind"] = kind.Kind + "List",
                ["apiVersion"] = kind.ApiVersion,
                ["metadata"] = metadata,
                ["items"] = items,
            };
        }
    }

    public JsonObject Create(ResourceKind kind, string? ns, JsonNode? body, string? generatedSuffix)
    {
        var obj = RequireObject(body);
        CheckTypeMeta(kind, obj);
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = metadata;
        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var generateName = metadata["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(generateName))
            {
                throw ApiStatus.Invalid(kind, "", [new("metadata.name", "name or generateName is required")]);
            }

            name = generateName + generatedSuffix;
            metadata["name"] = name;
        }

        CheckNamespace(kind, ns, metadata);
        if (!string.IsNullOrEmpty(metadata["resourceVersion"]?.GetValue<string>()))
        {
            throw new ApiException(500, "InternalError", "resourceVersion should not be set on objects to be created");
        }

        lock (store.Gate)
        {
            if (requireNamespaces && kind.Namespaced && store.GetLocked(ResourceKinds.Namespaces, ns!) is null)
            {
                throw ApiStatus.NotFound(ResourceKinds.Namespaces, ns!);
            }

            var key = ObjectStore.Key(ns, name);
            if (store.GetLocked(kind, key) is not null)
            {
                throw ApiStatus.AlreadyExists(kind, name);
            }

            obj["apiVersion"] = kind.ApiVersion;
            obj["kind"] = kind.Kind;
            metadata["uid"] = ObjectStore.NewUid();
            metadata["creationTimestamp"] = store.Now();
            metadata.Remove("deletionTimestamp");
            metadata.Remove("deletionGracePeriodSeconds");
            if (kind.TracksGeneration)
            {
                metadata["generation"] = 1;
            }
            else
            {
                metadata.Remove("generation");
            }

            if (kind.HasStatus && !kind.KeepsStatusOnCreate)
            {
                obj.Remove("status");
            }

            if (kind.Group.Length == 0 && kind.Plural == "namespaces")
            {
                obj["status"] = new JsonObject { ["phase"] = "Active" };
            }

            _defaults.OnCreate(kind, obj);
            Normalize(kind, obj);
            Validate(kind, name, obj);
            if (IsCrd(kind))
            {
                var declared = DeclaredKind(kind, name, obj);
                obj["status"] = CrdStatus(obj, declared);
                var created = store.CommitLocked(kind, key, WatchEventType.Added, obj);
                store.Register(declared);
                return created;
            }

            return store.CommitLocked(kind, key, WatchEventType.Added, obj);
        }
    }

    public JsonObject Update(ResourceKind kind, string? ns, string name, JsonNode? body, bool status)
    {
        var obj = RequireObject(body);
        CheckTypeMeta(kind, obj);
        var metadata = obj["metadata"] as JsonObject ?? throw ApiStatus.BadRequest("metadata is required");
        var bodyName = metadata["name"]?.GetValue<string>();
        if (bodyName != name)
        {
            throw ApiStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        CheckNamespace(kind, ns, metadata);
        lock (store.Gate)
        {
            var key = ObjectStore.Key(ns, name);
            var current = store.GetLocked(kind, key) ?? throw ApiStatus.NotFound(kind, name);
            return WriteLocked(kind, key, current, obj, status);
        }
    }

    public JsonObject Patch(ResourceKind kind, string? ns, string name, string? contentType, JsonNode? patch, bool status)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        lock (store.Gate)
        {
            var key = ObjectStore.Key(ns, name);
            var current = store.GetLocked(kind, key) ?? throw ApiStatus.NotFound(kind, name);
            var patched = mediaType switch
            {
                "application/merge-patch+json" => MergePatch.Apply(current.DeepClone(), patch),
                "application/strategic-merge-patch+json" when !kind.IsCustom => MergePatch.Apply(current.DeepClone(), patch),
                "application/json-patch+json" => JsonPatch.Apply(current.DeepClone(), patch as JsonArray ?? throw ApiStatus.BadRequest("a JSON patch must be an array of operations")),
                _ => throw ApiStatus.UnsupportedMediaType(contentType ?? ""),
            };
            var obj = RequireObject(patched);
            var metadata = obj["metadata"] as JsonObject ?? throw ApiStatus.BadRequest("metadata is required");
            if (metadata["name"]?.GetValue<string>() != name)
            {
                throw ApiStatus.BadRequest($"the name of the object ({metadata["name"]}) does not match the name on the URL ({name})");
            }

            CheckTypeMeta(kind, obj);
            return WriteLocked(kind, key, current, obj, status);
        }
    }

    /// <summary>Deletes, or with finalizers marks for deletion; returns the object and whether it is gone.</summary>
    public (JsonObject Object, bool Deleted) Delete(ResourceKind kind, string? ns, string name, JsonNode? options)
    {
        var preconditions = options?["preconditions"] as JsonObject;
        lock (store.Gate)
        {
            var key = ObjectStore.Key(ns, name);
            var current = store.GetLocked(kind, key) ?? throw ApiStatus.NotFound(kind, name);
            var currentMeta = current["metadata"]!;
            if (preconditions?["uid"]?.GetValue<string>() is { } uid && uid != currentMeta["uid"]?.GetValue<string>())
            {
                throw ApiStatus.Conflict(kind, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentMeta["uid"]}");
            }

            if (preconditions?["resourceVersion"]?.GetValue<string>() is { } rv && rv != currentMeta["resourceVersion"]?.GetValue<string>())
            {
                throw ApiStatus.Conflict(kind, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {currentMeta["resourceVersion"]}");
            }

            if (currentMeta["finalizers"] is JsonArray { Count: > 0 })
            {
                if (currentMeta["deletionTimestamp"] is not null)
                {
                    return (current.DeepClone().AsObject(), false);
                }

                var marked = current.DeepClone().AsObject();
                marked["metadata"]!["deletionTimestamp"] = store.Now();
                marked["metadata"]!["deletionGracePeriodSeconds"] = 0;
                return (store.CommitLocked(kind, key, WatchEventType.Modified, marked), false);
            }

            return (Deleted(kind, key, current.DeepClone().AsObject()), true);
        }
    }

    public JsonObject DeleteCollection(ResourceKind kind, string? ns, IQueryCollection query)
    {
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], kind);
        lock (store.Gate)
        {
            var names = store.ObjectsLocked(kind)
                .Where(o => ns is null || o.Key.StartsWith(ns + "/", StringComparison.Ordinal))
                .Where(o => labels.Matches(o.Value) && fields.Matches(o.Value))
                .Select(o => o.Value["metadata"]!["name"]!.GetValue<string>())
                .ToList();
            var items = new JsonArray();
            foreach (var name in names)
            {
                items.Add(Delete(kind, ns, name, null).Object);
            }

            return new JsonObject
            {
                ["kind"] = kind.Kind + "List",
                ["apiVersion"] = kind.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = store.RevisionLocked.ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
        }
    }

    /// <summary>
    /// The common tail of update and patch: check the resourceVersion precondition, keep what the client may
    /// not change, bump the generation, and write nothing when nothing changed (etcd3's GuaranteedUpdate).
    /// </summary>
    private JsonObject WriteLocked(ResourceKind kind, string key, JsonObject current, JsonObject next, bool status)
    {
        var name = current["metadata"]!["name"]!.GetValue<string>();
        var currentMeta = current["metadata"]!.AsObject();
        var nextMeta = next["metadata"]!.AsObject();
        var currentRv = currentMeta["resourceVersion"]!.GetValue<string>();
        var requestedRv = nextMeta["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(requestedRv) && requestedRv != currentRv)
        {
            throw ApiStatus.Conflict(kind, name, ApiStatus.ModifiedMessage);
        }

        if (nextMeta["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != currentMeta["uid"]?.GetValue<string>())
        {
            throw ApiStatus.Conflict(kind, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentMeta["uid"]}");
        }

        JsonObject result;
        if (status)
        {
            // A status write changes status only (ResetObjectMetaForStatus and the strategies' PrepareForUpdate).
            result = current.DeepClone().AsObject();
            if (next["status"] is { } newStatus)
            {
                result["status"] = newStatus.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
        }
        else
        {
            result = next.DeepClone().AsObject();
            var meta = result["metadata"]!.AsObject();
            foreach (var owned in (string[])["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace"])
            {
                meta.Remove(owned);
                if (currentMeta[owned] is { } value)
                {
                    meta[owned] = value.DeepClone();
                }
            }

            if (kind.HasStatus)
            {
                result.Remove("status");
                if (current["status"] is { } oldStatus)
                {
                    result["status"] = oldStatus.DeepClone();
                }
            }

            result["apiVersion"] = kind.ApiVersion;
            result["kind"] = kind.Kind;
            if (kind.TracksGeneration)
            {
                meta["generation"] = ObjectStore.NextGeneration(kind, current, result);
            }
            else
            {
                meta.Remove("generation");
            }

            Defaults.OnUpdate(kind, current, result);
            Normalize(kind, result);
            Validate(kind, name, result);
        }

        result["metadata"]!["resourceVersion"] = currentRv;
        var resultMeta = result["metadata"]!;
        if (resultMeta["deletionTimestamp"] is not null && resultMeta["finalizers"] is not JsonArray { Count: > 0 })
        {
            return Deleted(kind, key, result);
        }

        if (JsonNode.DeepEquals(result, current))
        {
            return current.DeepClone().AsObject();
        }

        if (IsCrd(kind) && !status)
        {
            store.Register(DeclaredKind(kind, name, result));
        }

        return store.CommitLocked(kind, key, WatchEventType.Modified, result);
    }

    private JsonObject Deleted(ResourceKind kind, string key, JsonObject obj)
    {
        var deleted = store.CommitLocked(kind, key, WatchEventType.Deleted, obj);
        if (IsCrd(kind))
        {
            var declared = ResourceKind.FromCustomResourceDefinition(deleted);
            store.Unregister(declared.Group, declared.Plural);
        }

        return deleted;
    }

    private static bool IsCrd(ResourceKind kind) => kind.Group == "apiextensions.k8s.io" && kind.Plural == "customresourcedefinitions";

    private static ResourceKind DeclaredKind(ResourceKind kind, string name, JsonObject crd)
    {
        try
        {
            var declared = ResourceKind.FromCustomResourceDefinition(crd);
            return name == $"{declared.Plural}.{declared.Group}"
                ? declared
                : throw ApiStatus.Invalid(kind, name, [new("metadata.name", $"\"{name}\": must be spec.names.plural+\".\"+spec.group")]);
        }
        catch (ArgumentException e)
        {
            throw ApiStatus.Invalid(kind, name, [new("spec", e.Message)]);
        }
    }

    // The conditions the apiextensions controllers set once names are accepted and the kind is served.
    private JsonObject CrdStatus(JsonObject crd, ResourceKind declared)
    {
        var now = store.Now();
        JsonObject Condition(string type, string reason) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = "",
        };

        return new JsonObject
        {
            ["conditions"] = new JsonArray(Condition("NamesAccepted", "NoConflicts"), Condition("Established", "InitialNamesAccepted")),
            ["acceptedNames"] = crd["spec"]!["names"]!.DeepClone(),
            ["storedVersions"] = new JsonArray(declared.Version),
        };
    }

    private static JsonObject RequireObject(JsonNode? body) =>
        body as JsonObject ?? throw ApiStatus.BadRequest("the request body must be a JSON object");

    private static void CheckTypeMeta(ResourceKind kind, JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kindName = obj["kind"]?.GetValue<string>();
        if ((!string.IsNullOrEmpty(apiVersion) && apiVersion != kind.ApiVersion) || (!string.IsNullOrEmpty(kindName) && kindName != kind.Kind))
        {
            throw ApiStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({kind.ApiVersion})");
        }
    }

    private static void CheckNamespace(ResourceKind kind, string? ns, JsonObject metadata)
    {
        var bodyNs = metadata["namespace"]?.GetValue<string>();
        if (!kind.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }

        if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
        {
            throw ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        metadata["namespace"] = ns;
    }

    /// <summary>A Secret's <c>stringData</c> is merged into <c>data</c> on write and never stored.</summary>
    private static void Normalize(ResourceKind kind, JsonObject obj)
    {
        if (kind.Group.Length != 0 || kind.Plural != "secrets" || obj["stringData"] is not JsonObject stringData)
        {
            return;
        }

        var data = obj["data"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in stringData)
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
        }

        obj["data"] = data;
        obj.Remove("stringData");
    }

    private static void Validate(ResourceKind kind, string name, JsonObject obj)
    {
        var violations = new List<FieldViolation>();
        if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            violations.Add(new("metadata.name", $"\"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }

        if (kind.Validate is { } validate)
        {
            violations.AddRange(validate(obj));
        }

        if (violations.Count > 0)
        {
            throw ApiStatus.Invalid(kind, name, violations);
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    private static long? ParseLong(string? value, string parameter)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw ApiStatus.BadRequest($"invalid {parameter}: {value}");
    }

    // The token kube-apiserver issues: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"key\0"}.
    private static string EncodeContinue(long revision, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["v"] = "meta.k8s.io/v1",
            ["rv"] = revision,
            ["start"] = lastKey + "\0",
        }.ToJsonString()));

    private static (long Revision, string StartAfter) DecodeContinue(string token)
    {
        try
        {
            var json = JsonNode.Parse(Convert.FromBase64String(token))!;
            return (json["rv"]!.GetValue<long>(), json["start"]!.GetValue<string>().TrimEnd('\0'));
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiStatus.BadRequest("continue key is not valid: " + e.Message);
        }
    }
}

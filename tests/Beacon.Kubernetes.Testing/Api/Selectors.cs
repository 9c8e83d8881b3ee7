using System.Text.Json.Nodes;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>
/// A parsed <c>labelSelector</c> query parameter: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
/// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, joined by commas (k8s.io/apimachinery/pkg/labels).
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<JsonObject?, bool>> _requirements = [];

    public static LabelSelector Everything { get; } = new();

    public bool IsEmpty => _requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                throw ApiStatus.BadRequest($"unable to parse requirement: found '', expected: identifier in \"{text}\"");
            }

            selector._requirements.Add(ParseTerm(term, text));
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        return _requirements.TrueForAll(r => r(labels));
    }

    private static Func<JsonObject?, bool> ParseTerm(string term, string text)
    {
        if (term.StartsWith('!'))
        {
            var key = Key(term[1..], text);
            return labels => labels is null || !labels.ContainsKey(key);
        }

        var inIndex = IndexOfWord(term, " notin ");
        if (inIndex > 0)
        {
            var key = Key(term[..inIndex], text);
            var values = SetValues(term[(inIndex + 7)..], text);
            return labels => Value(labels, key) is not { } v || !values.Contains(v);
        }

        inIndex = IndexOfWord(term, " in ");
        if (inIndex > 0)
        {
            var key = Key(term[..inIndex], text);
            var values = SetValues(term[(inIndex + 4)..], text);
            return labels => Value(labels, key) is { } v && values.Contains(v);
        }

        var ne = term.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0)
        {
            var key = Key(term[..ne], text);
            var value = term[(ne + 2)..].Trim();
            return labels => Value(labels, key) != value;
        }

        var eq = term.IndexOf('=');
        if (eq > 0)
        {
            var key = Key(term[..eq], text);
            var rest = term[(eq + 1)..];
            var value = (rest.StartsWith('=') ? rest[1..] : rest).Trim();
            return labels => Value(labels, key) == value;
        }

        var exists = Key(term, text);
        return labels => labels is not null && labels.ContainsKey(exists);
    }

    private static int IndexOfWord(string term, string word) => term.IndexOf(word, StringComparison.Ordinal);

    private static string Key(string raw, string text)
    {
        var key = raw.Trim();
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!'))
        {
            throw ApiStatus.BadRequest($"unable to parse requirement: invalid label key \"{key}\" in \"{text}\"");
        }

        return key;
    }

    private static HashSet<string> SetValues(string raw, string text)
    {
        var trimmed = raw.Trim();
        if (!trimmed.StartsWith('(') || !trimmed.EndsWith(')'))
        {
            throw ApiStatus.BadRequest($"unable to parse requirement: found '{trimmed}', expected: '(' in \"{text}\"");
        }

        return trimmed[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
    }

    private static string? Value(JsonObject? labels, string key) =>
        labels is not null && labels.TryGetPropertyValue(key, out var node) && node is JsonValue v ? v.ToString() : null;

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}

/// <summary>
/// A parsed <c>fieldSelector</c>: <c>path=value</c>, <c>path==value</c>, <c>path!=value</c>, joined by commas,
/// over the fields the kind supports (others are refused with 400, as kube-apiserver does).
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> _terms = [];

    public static FieldSelector Everything { get; } = new();

    public bool IsEmpty => _terms.Count == 0;

    public static FieldSelector Parse(string? text, ResourceKind kind)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            bool equal;
            int at;
            int width;
            if ((at = term.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                equal = false;
                width = 2;
            }
            else if ((at = term.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                equal = true;
                width = 2;
            }
            else if ((at = term.IndexOf('=')) > 0)
            {
                equal = true;
                width = 1;
            }
            else
            {
                throw ApiStatus.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            var path = term[..at].Trim();
            if (path is not ("metadata.name" or "metadata.namespace") && !kind.SelectableFields.Contains(path))
            {
                throw ApiStatus.BadRequest($"field label not supported: {path}");
            }

            selector._terms.Add((path, term[(at + width)..].Trim(), equal));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) =>
        _terms.TrueForAll(t => (Lookup(obj, t.Path) == t.Value) == t.Equal);

    private static string Lookup(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
            JsonValue v => v.ToString(),
            _ => node.ToJsonString(),
        };
    }
}

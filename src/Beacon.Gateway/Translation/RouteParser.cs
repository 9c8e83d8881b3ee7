using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Config;

namespace Beacon.Gateway.Translation;

/// <summary>One HTTPRoute rule, resolved: its matches (one entry each) and its action.</summary>
internal sealed record ParsedRule(
    int Index,
    string? Name,
    ImmutableArray<(int Index, MatchConfig Match)> Matches,
    RuleActionConfig Action,
    ImmutableArray<BackendConfig> Backends);

/// <summary>
/// An HTTPRoute checked and converted independently of its parents. <see cref="Invalid"/> is
/// set when the route breaks a rule the CRD (schema or CEL) states, or uses a value Beacon does
/// not support: the API server would have refused most of these, but manifest mode has none,
/// so they are checked here and the route is not accepted.
/// </summary>
internal sealed record ParsedRoute(
    HttpRoute Route,
    string Key,
    string Namespace,
    ImmutableArray<string> Hostnames,
    string? Invalid,
    RefProblem? RefProblem,
    ImmutableArray<ParsedRule> Rules)
{
    public DateTime Created => Route.Metadata?.CreationTimestamp ?? DateTime.MaxValue;
}

/// <summary>Validates and converts HTTPRoutes (Gateway API v1.6.1 HTTPRoute CRD rules).</summary>
internal static partial class RouteParser
{
    private static readonly TimeSpan s_regexCheckTimeout = TimeSpan.FromSeconds(1);

    private static readonly HashSet<string> s_methods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    };

    private static readonly HashSet<int> s_redirectCodes = [301, 302, 303, 307, 308];

    private static readonly string[] s_singleFilters =
    [
        FilterTypes.Cors, FilterTypes.RequestHeaderModifier, FilterTypes.ResponseHeaderModifier, FilterTypes.RequestRedirect, FilterTypes.UrlRewrite,
    ];

    public static ParsedRoute Parse(HttpRoute route, BackendResolver resolver)
    {
        var ns = route.Metadata?.NamespaceProperty ?? "default";
        var context = new Context(ns, resolver) { RouteName = route.Metadata?.Name ?? string.Empty };

        var hostnames = ImmutableArray.CreateBuilder<string>();
        var hostnameList = route.Spec.Hostnames ?? [];
        for (var i = 0; i < hostnameList.Count; i++)
        {
            if (!Hostnames.IsValid(hostnameList[i], allowWildcard: true))
            {
                context.Fail($"spec.hostnames[{i}]", $"\"{hostnameList[i]}\" is not a valid hostname");
            }
            else if (!hostnames.Contains(hostnameList[i]))
            {
                hostnames.Add(hostnameList[i]);
            }
        }

        CheckParentRefs(route.Spec.ParentRefs ?? [], ns, context);

        var rules = ImmutableArray.CreateBuilder<ParsedRule>();
        var ruleList = route.Spec.Rules ?? [];
        if (ruleList.Count == 0)
        {
            // The CRD defaults rules to one rule matching PathPrefix / with no backends.
            rules.Add(ParseRule(new HttpRouteRule(), 0, ns, context));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ruleList.Count; i++)
        {
            if (ruleList[i] is null)
            {
                context.Fail($"spec.rules[{i}]", "must not be null");
                continue;
            }

            if (ruleList[i].Name is { } name)
            {
                if (!RuleNamePattern().IsMatch(name))
                {
                    context.Fail($"spec.rules[{i}].name", $"\"{name}\" is not a valid rule name");
                }
                else if (!names.Add(name))
                {
                    context.Fail($"spec.rules[{i}].name", $"\"{name}\" is used by another rule; rule names must be unique");
                }
            }

            rules.Add(ParseRule(ruleList[i], i, ns, context));
        }

        return new(route, ClusterSnapshot.KeyOf(route), ns, hostnames.ToImmutable(), context.Invalid, context.RefProblem, rules.ToImmutable());
    }

    /// <summary>
    /// CRD (CEL): several references to the same parent must each name a sectionName or port,
    /// and no two of them the same ones.
    /// </summary>
    private static void CheckParentRefs(IList<ParentReference> parents, string ns, Context context)
    {
        var groups = parents.Where(p => p is not null)
            .GroupBy(p => (p.Group ?? GatewayApiGroup.Group, p.Kind ?? "Gateway", string.IsNullOrEmpty(p.Namespace) ? ns : p.Namespace, p.Name ?? string.Empty));
        foreach (var group in groups.Where(g => g.Count() > 1))
        {
            if (group.Any(p => p.SectionName is null && p.Port is null))
            {
                context.Fail("spec.parentRefs", $"sectionName or port must be set on every reference to {group.Key.Item4} when it is referenced more than once");
            }
            else if (group.Select(p => (p.SectionName, p.Port)).Distinct().Count() < group.Count())
            {
                context.Fail("spec.parentRefs", $"references to {group.Key.Item4} must differ in sectionName or port");
            }
        }
    }

    private static ParsedRule ParseRule(HttpRouteRule rule, int index, string ns, Context context)
    {
        var at = $"spec.rules[{index}]";
        var matches = ImmutableArray.CreateBuilder<(int, MatchConfig)>();
        var matchList = rule.Matches is { Count: > 0 } list ? list : [new HttpRouteMatch()];
        for (var m = 0; m < matchList.Count; m++)
        {
            if (matchList[m] is null)
            {
                context.Fail($"{at}.matches[{m}]", "must not be null");
                continue;
            }

            matches.Add((m, ParseMatch(matchList[m], $"{at}.matches[{m}]", context)));
        }

        var singlePrefixMatch = matchList.Count == 1 && (matchList[0]?.Path?.Type ?? MatchTypes.PathPrefix) == MatchTypes.PathPrefix;
        var filters = ParseFilters(rule.Filters, $"{at}.filters", ruleLevel: true, singlePrefixMatch, context, out var mirrorBackends, out var failsRequests);
        CheckRepeated(rule.Filters, $"{at}.filters", context);
        var types = (rule.Filters ?? []).Select(f => f?.Type).ToList();

        var redirect = types.Contains(FilterTypes.RequestRedirect);
        if (redirect && types.Contains(FilterTypes.UrlRewrite))
        {
            context.Fail($"{at}.filters", "RequestRedirect and URLRewrite cannot be used together in a rule");
        }

        var backendList = rule.BackendRefs ?? [];
        if (redirect && backendList.Count > 0)
        {
            context.Fail($"{at}.backendRefs", "a rule with a RequestRedirect filter cannot have backendRefs");
        }

        var referenced = new List<BackendConfig>(mirrorBackends);
        var backends = ImmutableArray.CreateBuilder<WeightedBackendConfig>();
        for (var b = 0; b < backendList.Count; b++)
        {
            var reference = backendList[b];
            var field = $"{at}.backendRefs[{b}]";
            if (reference is null)
            {
                context.Fail(field, "must not be null");
                continue;
            }

            var weight = reference.Weight ?? 1;
            if (weight is < 0 or > 1_000_000)
            {
                context.Fail($"{field}.weight", $"{weight} is outside 0 to 1000000");
                weight = 0;
            }

            var backendFilters = ParseFilters(reference.Filters, $"{field}.filters", ruleLevel: false, singlePrefixMatch, context, out _, out _);
            CheckRepeated(reference.Filters, $"{field}.filters", context);
            var (backend, problem) = context.Resolver.Resolve(ns, reference.Group, reference.Kind, reference.Name, reference.Namespace, reference.Port, field);
            if (problem is not null)
            {
                context.Unresolved(problem);
            }
            else
            {
                referenced.Add(backend!);
            }

            backends.Add(new(weight, backend?.Id, backend is null ? 500 : null, backendFilters));
        }

        var timeouts = ParseTimeouts(rule.Timeouts, $"{at}.timeouts", context);

        // Gateway API: with nothing valid to forward to (no refs, all invalid, all weight 0)
        // every request of the rule gets 500; an unresolvable filter fails requests too.
        int? directStatus = null;
        if (failsRequests || (!redirect && !backends.Any(b => b.Weight > 0 && b.BackendId is not null)))
        {
            directStatus = 500;
        }

        var action = new RuleActionConfig(
            $"{ns}/{context.RouteName}/rules[{index}]",
            filters,
            redirect || directStatus is not null ? [] : backends.ToImmutable(),
            timeouts,
            redirect && !failsRequests ? null : directStatus);
        return new(index, rule.Name, matches.ToImmutable(), action, [.. referenced]);
    }

    /// <summary>CRD (CEL): CORS, header modifiers, RequestRedirect and URLRewrite at most once per filter list.</summary>
    private static void CheckRepeated(IList<HttpRouteFilter>? filters, string at, Context context)
    {
        foreach (var single in s_singleFilters)
        {
            if ((filters ?? []).Count(f => f?.Type == single) > 1)
            {
                context.Fail(at, $"{single} may appear at most once");
            }
        }
    }

    private static MatchConfig ParseMatch(HttpRouteMatch match, string at, Context context)
    {
        var pathType = match.Path?.Type ?? MatchTypes.PathPrefix;
        var pathValue = match.Path?.Value ?? "/";
        switch (pathType)
        {
            case MatchTypes.Exact or MatchTypes.PathPrefix:
                if (PathProblem(pathValue) is { } problem)
                {
                    context.Fail($"{at}.path.value", problem);
                }

                break;
            case MatchTypes.RegularExpression:
                CheckRegex(pathValue, $"{at}.path.value", context);
                break;
            default:
                context.Fail($"{at}.path.type", $"\"{pathType}\" is not one of Exact, PathPrefix, RegularExpression");
                break;
        }

        var headers = ParseValueMatches(match.Headers, $"{at}.headers", StringComparer.OrdinalIgnoreCase, context);
        var query = ParseValueMatches(match.QueryParams, $"{at}.queryParams", StringComparer.Ordinal, context);
        if (match.Method is { } method && !s_methods.Contains(method))
        {
            context.Fail($"{at}.method", $"\"{method}\" is not a supported HTTP method");
        }

        return new(new(pathType, pathValue), headers, query, match.Method);
    }

    private static ImmutableArray<ValueMatchConfig> ParseValueMatches(
        IList<HttpValueMatch>? list, string at, StringComparer names, Context context)
    {
        var result = ImmutableArray.CreateBuilder<ValueMatchConfig>();
        var seen = new HashSet<string>(names);
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var entry = list![i];
            if (entry is null)
            {
                context.Fail($"{at}[{i}]", "must not be null");
                continue;
            }

            var type = entry.Type ?? MatchTypes.Exact;
            // Header and query parameter names share the CRD's HTTPHeaderName pattern.
            if (string.IsNullOrEmpty(entry.Name) || !HeaderNamePattern().IsMatch(entry.Name))
            {
                context.Fail($"{at}[{i}].name", $"\"{entry.Name}\" is not a valid name");
                continue;
            }

            if (type == MatchTypes.RegularExpression)
            {
                CheckRegex(entry.Value ?? string.Empty, $"{at}[{i}].value", context);
            }
            else if (type != MatchTypes.Exact)
            {
                context.Fail($"{at}[{i}].type", $"\"{type}\" is not one of Exact, RegularExpression");
            }

            // Gateway API: when a name repeats, only the first entry counts.
            if (seen.Add(entry.Name))
            {
                result.Add(new(type, entry.Name, entry.Value ?? string.Empty));
            }
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<FilterConfig> ParseFilters(
        IList<HttpRouteFilter>? list, string at, bool ruleLevel, bool singlePrefixMatch, Context context,
        out List<BackendConfig> mirrorBackends, out bool failsRequests)
    {
        mirrorBackends = [];
        failsRequests = false;
        var result = ImmutableArray.CreateBuilder<FilterConfig>();
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var filter = list![i];
            var field = $"{at}[{i}]";
            if (filter is null)
            {
                context.Fail(field, "must not be null");
                continue;
            }

            if (!PayloadMatchesType(filter, out var payloadProblem))
            {
                context.Fail(field, payloadProblem);
                continue;
            }

            if (!ruleLevel && filter.Type is not (FilterTypes.RequestHeaderModifier or FilterTypes.ResponseHeaderModifier))
            {
                context.Fail($"{field}.type", $"{filter.Type} is not supported on a backendRef; only RequestHeaderModifier and ResponseHeaderModifier");
                continue;
            }

            switch (filter.Type)
            {
                case FilterTypes.RequestHeaderModifier:
                    result.Add(new(FilterTypes.RequestHeaderModifier, RequestHeaderModifier: ParseHeaderModifier(filter.RequestHeaderModifier!, $"{field}.requestHeaderModifier", context)));
                    break;
                case FilterTypes.ResponseHeaderModifier:
                    result.Add(new(FilterTypes.ResponseHeaderModifier, ResponseHeaderModifier: ParseHeaderModifier(filter.ResponseHeaderModifier!, $"{field}.responseHeaderModifier", context)));
                    break;
                case FilterTypes.RequestRedirect:
                    result.Add(new(FilterTypes.RequestRedirect, RequestRedirect: ParseRedirect(filter.RequestRedirect!, $"{field}.requestRedirect", singlePrefixMatch, context)));
                    break;
                case FilterTypes.UrlRewrite:
                    result.Add(new(FilterTypes.UrlRewrite, UrlRewrite: ParseRewrite(filter.UrlRewrite!, $"{field}.urlRewrite", singlePrefixMatch, context)));
                    break;
                case FilterTypes.RequestMirror:
                    if (ParseMirror(filter.RequestMirror!, $"{field}.requestMirror", context) is { } mirror)
                    {
                        mirrorBackends.Add(mirror.Backend);
                        result.Add(new(FilterTypes.RequestMirror, RequestMirror: mirror.Config));
                    }

                    break;
                case FilterTypes.Cors:
                    result.Add(new(FilterTypes.Cors, Cors: ParseCors(filter.Cors!, $"{field}.cors", context)));
                    break;
                case "ExtensionRef":
                    // Gateway API: a filter that cannot be resolved must not be skipped; the
                    // requests it would have processed get an error. Beacon has no extensions.
                    var ext = filter.ExtensionRef!;
                    context.Unresolved(new(
                        Conditions.ReasonInvalidKind,
                        $"{field}.extensionRef: {BackendResolver.Qualified(ext.Group ?? string.Empty, ext.Kind ?? string.Empty)} {ext.Name} is not an extension Beacon implements"));
                    failsRequests = true;
                    break;
            }
        }

        return result.ToImmutable();
    }

    private static bool PayloadMatchesType(HttpRouteFilter filter, out string problem)
    {
        var payloads = new (string Type, object? Value)[]
        {
            (FilterTypes.RequestHeaderModifier, filter.RequestHeaderModifier),
            (FilterTypes.ResponseHeaderModifier, filter.ResponseHeaderModifier),
            (FilterTypes.RequestRedirect, filter.RequestRedirect),
            (FilterTypes.UrlRewrite, filter.UrlRewrite),
            (FilterTypes.RequestMirror, filter.RequestMirror),
            (FilterTypes.Cors, filter.Cors),
            ("ExtensionRef", filter.ExtensionRef),
        };
        if (!payloads.Any(p => p.Type == filter.Type))
        {
            problem = $"type \"{filter.Type}\" is not one of {string.Join(", ", payloads.Select(p => p.Type))}";
            return false;
        }

        foreach (var (type, value) in payloads)
        {
            if ((type == filter.Type) != (value is not null))
            {
                problem = type == filter.Type
                    ? $"type {type} requires its {Camel(type)} field"
                    : $"{Camel(type)} must not be set when type is {filter.Type}";
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }

    private static string Camel(string type) => type == FilterTypes.UrlRewrite ? "urlRewrite" : type == FilterTypes.Cors ? "cors" : char.ToLowerInvariant(type[0]) + type[1..];

    private static HeaderModifierConfig ParseHeaderModifier(HttpHeaderFilter filter, string at, Context context)
    {
        var set = HeaderValues(filter.Set, $"{at}.set", context);
        var add = HeaderValues(filter.Add, $"{at}.add", context);
        var remove = ImmutableArray.CreateBuilder<string>();
        var list = filter.Remove ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            if (!HeaderNamePattern().IsMatch(list[i] ?? string.Empty))
            {
                context.Fail($"{at}.remove[{i}]", $"\"{list[i]}\" is not a valid header name");
            }
            else if (!remove.Contains(list[i], StringComparer.OrdinalIgnoreCase))
            {
                remove.Add(list[i]);
            }
        }

        return new(set, add, remove.ToImmutable());
    }

    private static ImmutableArray<HeaderValueConfig> HeaderValues(IList<HttpHeader>? list, string at, Context context)
    {
        var result = ImmutableArray.CreateBuilder<HeaderValueConfig>();
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var header = list![i];
            if (header is null || !HeaderNamePattern().IsMatch(header.Name ?? string.Empty))
            {
                context.Fail($"{at}[{i}].name", $"\"{header?.Name}\" is not a valid header name");
                continue;
            }

            if ((header.Value ?? string.Empty).Any(c => c is '\r' or '\n' or '\0'))
            {
                context.Fail($"{at}[{i}].value", "must not contain CR, LF or NUL");
                continue;
            }

            // Gateway API: of entries with equivalent (case-insensitive) names the first counts.
            if (!result.Any(h => string.Equals(h.Name, header.Name, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(new(header.Name!, header.Value ?? string.Empty));
            }
        }

        return result.ToImmutable();
    }

    private static RedirectConfig ParseRedirect(HttpRequestRedirectFilter redirect, string at, bool singlePrefixMatch, Context context)
    {
        if (redirect.Scheme is { } scheme && scheme is not ("http" or "https"))
        {
            context.Fail($"{at}.scheme", $"\"{scheme}\" is not one of http, https");
        }

        if (redirect.Hostname is { } hostname && !Hostnames.IsValid(hostname, allowWildcard: false))
        {
            context.Fail($"{at}.hostname", $"\"{hostname}\" is not a valid hostname");
        }

        if (redirect.Port is { } port && port is < 1 or > 65535)
        {
            context.Fail($"{at}.port", $"{port} is outside 1 to 65535");
        }

        var statusCode = redirect.StatusCode ?? 302;
        if (!s_redirectCodes.Contains(statusCode))
        {
            context.Fail($"{at}.statusCode", $"{statusCode} is not one of 301, 302, 303, 307, 308");
        }

        var path = redirect.Path is null ? null : ParsePathModifier(redirect.Path, $"{at}.path", singlePrefixMatch, context);
        return new(redirect.Scheme, redirect.Hostname, redirect.Port, path, statusCode);
    }

    private static UrlRewriteConfig ParseRewrite(HttpUrlRewriteFilter rewrite, string at, bool singlePrefixMatch, Context context)
    {
        if (rewrite.Hostname is { } hostname && !Hostnames.IsValid(hostname, allowWildcard: false))
        {
            context.Fail($"{at}.hostname", $"\"{hostname}\" is not a valid hostname");
        }

        var path = rewrite.Path is null ? null : ParsePathModifier(rewrite.Path, $"{at}.path", singlePrefixMatch, context);
        return new(rewrite.Hostname, path);
    }

    private static PathModifierConfig? ParsePathModifier(HttpPathModifier modifier, string at, bool singlePrefixMatch, Context context)
    {
        switch (modifier.Type)
        {
            case PathModifierTypes.ReplaceFullPath when modifier.ReplaceFullPath is { } full && modifier.ReplacePrefixMatch is null:
                if (PathProblem(full) is { } fullProblem)
                {
                    context.Fail($"{at}.replaceFullPath", fullProblem);
                }

                return new(PathModifierTypes.ReplaceFullPath, full);
            case PathModifierTypes.ReplacePrefixMatch when modifier.ReplacePrefixMatch is { } prefix && modifier.ReplaceFullPath is null:
                if (prefix.Length > 0 && PathProblem(prefix) is { } prefixProblem)
                {
                    context.Fail($"{at}.replacePrefixMatch", prefixProblem);
                }

                if (!singlePrefixMatch)
                {
                    context.Fail($"{at}.type", "ReplacePrefixMatch requires the rule to have exactly one match, of type PathPrefix");
                }

                return new(PathModifierTypes.ReplacePrefixMatch, prefix);
            case PathModifierTypes.ReplaceFullPath or PathModifierTypes.ReplacePrefixMatch:
                context.Fail(at, $"type {modifier.Type} requires exactly its own field ({Camel(modifier.Type)}) to be set");
                return null;
            default:
                context.Fail($"{at}.type", $"\"{modifier.Type}\" is not one of ReplaceFullPath, ReplacePrefixMatch");
                return null;
        }
    }

    private static (MirrorConfig Config, BackendConfig Backend)? ParseMirror(HttpRequestMirrorFilter mirror, string at, Context context)
    {
        int numerator = 1, denominator = 1;
        if (mirror.Percent is not null && mirror.Fraction is not null)
        {
            context.Fail(at, "only one of percent and fraction may be set");
        }
        else if (mirror.Percent is { } percent)
        {
            if (percent is < 0 or > 100)
            {
                context.Fail($"{at}.percent", $"{percent} is outside 0 to 100");
            }

            (numerator, denominator) = (percent, 100);
        }
        else if (mirror.Fraction is { } fraction)
        {
            (numerator, denominator) = (fraction.Numerator ?? 0, fraction.Denominator ?? 100);
            if (numerator < 0 || denominator < 1 || numerator > denominator)
            {
                context.Fail($"{at}.fraction", $"{numerator}/{denominator} is not a fraction between 0 and 1 (denominator at least 1)");
            }
        }

        var reference = mirror.BackendRef;
        if (reference is null)
        {
            context.Fail($"{at}.backendRef", "required");
            return null;
        }

        var (backend, problem) = context.Resolver.Resolve(
            context.Namespace, reference.Group, reference.Kind, reference.Name, reference.Namespace, reference.Port, $"{at}.backendRef");
        if (problem is not null)
        {
            // Gateway API: a mirror to an invalid backend is reported and not configured.
            context.Unresolved(problem);
            return null;
        }

        return (new(backend!.Id, numerator, denominator), backend);
    }

    private static CorsConfig ParseCors(HttpCorsFilter cors, string at, Context context)
    {
        var origins = cors.AllowOrigins ?? [];
        for (var i = 0; i < origins.Count; i++)
        {
            if (origins[i] != "*" && !OriginPattern().IsMatch(origins[i] ?? string.Empty))
            {
                context.Fail($"{at}.allowOrigins[{i}]", $"\"{origins[i]}\" is not * or scheme://host[:port]");
            }
        }

        if (origins.Contains("*") && origins.Count > 1)
        {
            context.Fail($"{at}.allowOrigins", "* cannot be combined with other origins");
        }

        var methods = cors.AllowMethods ?? [];
        for (var i = 0; i < methods.Count; i++)
        {
            if (methods[i] != "*" && !s_methods.Contains(methods[i] ?? string.Empty))
            {
                context.Fail($"{at}.allowMethods[{i}]", $"\"{methods[i]}\" is not * or a supported HTTP method");
            }
        }

        if (methods.Contains("*") && methods.Count > 1)
        {
            context.Fail($"{at}.allowMethods", "* cannot be combined with other methods");
        }

        var maxAge = cors.MaxAge ?? 5;
        if (maxAge < 1)
        {
            context.Fail($"{at}.maxAge", $"{maxAge} is less than 1");
        }

        return new(
            [.. origins],
            cors.AllowCredentials ?? false,
            [.. methods],
            [.. cors.AllowHeaders ?? []],
            [.. cors.ExposeHeaders ?? []],
            maxAge);
    }

    private static TimeoutsConfig ParseTimeouts(HttpRouteTimeouts? timeouts, string at, Context context)
    {
        if (timeouts is null)
        {
            return TimeoutsConfig.None;
        }

        TimeSpan? Parse(string? text, string field)
        {
            if (text is null)
            {
                return null;
            }

            if (!Durations.TryParse(text, out var value))
            {
                context.Fail($"{at}.{field}", $"\"{text}\" is not a duration like 1h2m3s500ms");
                return null;
            }

            // GEP-2257 / CRD: a zero duration disables the timeout.
            return value == TimeSpan.Zero ? null : value;
        }

        var request = Parse(timeouts.Request, "request");
        var backend = Parse(timeouts.BackendRequest, "backendRequest");
        if (request is { } r && backend is { } b && b > r)
        {
            context.Fail($"{at}.backendRequest", "must not be longer than request");
        }

        return request is null && backend is null ? TimeoutsConfig.None : new(request, backend);
    }

    /// <summary>The CRD's CEL rules for Exact/PathPrefix values and path modifiers.</summary>
    private static string? PathProblem(string path)
    {
        if (!path.StartsWith('/'))
        {
            return "must be an absolute path (start with /)";
        }

        if (path.Length > 1024)
        {
            return "must be at most 1024 characters";
        }

        if (path.Contains("//", StringComparison.Ordinal) || path.Contains("/./", StringComparison.Ordinal) || path.Contains("/../", StringComparison.Ordinal)
            || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal))
        {
            return "must not contain //, /./ or /../ nor end with /. or /..";
        }

        if (path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains('#'))
        {
            return "must not contain %2F or #";
        }

        return PathCharsPattern().IsMatch(path) ? null : "must only contain valid URI path characters";
    }

    private static void CheckRegex(string pattern, string field, Context context)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, s_regexCheckTimeout);
        }
        catch (ArgumentException e)
        {
            context.Fail(field, $"invalid regular expression: {e.Message}");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleNamePattern();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderNamePattern();

    [GeneratedRegex("^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$", RegexOptions.CultureInvariant)]
    private static partial Regex PathCharsPattern();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.\-]*://(\*|(\*\.)?[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*)(:[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex OriginPattern();

    /// <summary>The first problems found while parsing one route (later ones add nothing to its status).</summary>
    private sealed class Context(string ns, BackendResolver resolver)
    {
        public string Namespace { get; } = ns;

        public BackendResolver Resolver { get; } = resolver;

        public string RouteName { get; set; } = string.Empty;

        public string? Invalid { get; private set; }

        public RefProblem? RefProblem { get; private set; }

        public void Fail(string field, string message) => Invalid ??= $"{field}: {message}";

        public void Unresolved(RefProblem problem) => RefProblem ??= problem;
    }
}

using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Beacon.Gateway.Config;

namespace Beacon.Gateway.DataPlane;

/// <summary>Compiles a <see cref="ProxyConfig"/> into immutable <see cref="BindTable"/>s.</summary>
internal sealed class RouteCompiler(TimeSpan regexTimeout, Func<string, BackendTarget?> backends, IReadOnlyDictionary<string, Regex> previousRegexes)
{
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    /// <summary>The regexes used by this compile, to be reused by the next one.</summary>
    public IReadOnlyDictionary<string, Regex> Regexes => _regexes;

    public static string EntryKey(RouteEntryConfig entry) => $"{entry.Route}/{entry.RuleIndex}/{entry.MatchIndex}";

    /// <summary>Compiles a bind; <paramref name="compileEntry"/> decides what to do with an entry that fails.</summary>
    public static BindTable CompileBind(BindConfig bind, Func<RouteEntryConfig, RouteEntry?> compileEntry)
    {
        var listeners = new ListenerTable[bind.Listeners.Length];
        for (var i = 0; i < listeners.Length; i++)
        {
            var listener = bind.Listeners[i];
            var exact = new Dictionary<string, RouteEntry[]>(StringComparer.OrdinalIgnoreCase);
            var wildcards = new List<(string Suffix, RouteEntry[] Routes)>();
            RouteEntry[]? any = null;
            foreach (var host in listener.VirtualHosts)
            {
                var routes = new List<RouteEntry>(host.Routes.Length);
                foreach (var route in host.Routes)
                {
                    if (compileEntry(route) is { } compiled)
                    {
                        routes.Add(compiled);
                    }
                }

                if (host.Hostname == "*")
                {
                    any ??= [.. routes];
                }
                else if (host.Hostname.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcards.Add((host.Hostname[1..], [.. routes]));
                }
                else
                {
                    exact.TryAdd(host.Hostname, [.. routes]);
                }
            }

            // Longest suffix first; OrderBy is stable so equal lengths keep the config order.
            var sortedWildcards = wildcards.OrderByDescending(w => w.Suffix.Length).ToArray();
            listeners[i] = new ListenerTable(
                listener.Hostname,
                new VirtualHostTable(exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), sortedWildcards, any));
        }

        return new BindTable(bind.Port, listeners);
    }

    /// <summary>Compiles one entry; throws <see cref="ArgumentException"/> for an invalid regex or match type.</summary>
    public RouteEntry CompileEntry(RouteEntryConfig entry)
    {
        var match = entry.Match;
        Regex? pathRegex = null;
        string pathValue;
        switch (match.Path.Type)
        {
            case MatchTypes.Exact:
                pathValue = match.Path.Value;
                break;
            case MatchTypes.PathPrefix:
                pathValue = PathRules.NormalizePrefix(match.Path.Value);
                break;
            case MatchTypes.RegularExpression:
                pathValue = match.Path.Value;
                pathRegex = Regex(match.Path.Value);
                break;
            default:
                throw new ArgumentException($"unsupported path match type {match.Path.Type}");
        }

        return new RouteEntry
        {
            Key = EntryKey(entry),
            PathType = match.Path.Type,
            PathValue = pathValue,
            PathRegex = pathRegex,
            Headers = [.. match.Headers.Select(ValueMatcher)],
            QueryParams = [.. match.QueryParams.Select(ValueMatcher)],
            Method = match.Method,
            Action = CompileAction(entry.Action, match.Path.Type == MatchTypes.PathPrefix ? pathValue : string.Empty),
        };
    }

    private ValueMatcher ValueMatcher(ValueMatchConfig config) => config.Type switch
    {
        MatchTypes.Exact => new ValueMatcher(config.Name, config.Value, null),
        MatchTypes.RegularExpression => new ValueMatcher(config.Name, null, Regex(config.Value)),
        _ => throw new ArgumentException($"unsupported value match type {config.Type} for {config.Name}"),
    };

    private Regex Regex(string pattern)
    {
        if (_regexes.TryGetValue(pattern, out var regex))
        {
            return regex;
        }

        if (!previousRegexes.TryGetValue(pattern, out regex))
        {
            regex = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant | RegexOptions.Compiled, regexTimeout);
        }

        _regexes[pattern] = regex;
        return regex;
    }

    private RouteAction CompileAction(RuleActionConfig action, string normalizedPrefix)
    {
        var requestSteps = new List<RequestStep>();
        var responseModifiers = new List<HeaderModifier>();
        var preSteps = new List<PreStep>();
        CorsPolicy? cors = null;
        var hasMirror = false;
        foreach (var filter in action.Filters)
        {
            switch (filter.Type)
            {
                case FilterTypes.RequestHeaderModifier when filter.RequestHeaderModifier is { } modifier:
                    requestSteps.Add(new RequestStep { Headers = new HeaderModifier(modifier) });
                    break;
                case FilterTypes.ResponseHeaderModifier when filter.ResponseHeaderModifier is { } modifier:
                    responseModifiers.Add(new HeaderModifier(modifier));
                    break;
                case FilterTypes.UrlRewrite when filter.UrlRewrite is { } rewrite:
                    requestSteps.Add(new RequestStep { Hostname = rewrite.Hostname, Path = rewrite.Path });
                    break;
                case FilterTypes.RequestRedirect when filter.RequestRedirect is { } redirect:
                    preSteps.Add(new PreStep { Kind = PreStepKind.Redirect, Redirect = redirect });
                    break;
                case FilterTypes.RequestMirror when filter.RequestMirror is { } mirror:
                    hasMirror = true;
                    preSteps.Add(new PreStep
                    {
                        Kind = PreStepKind.Mirror,
                        Mirror = new MirrorTarget(backends(mirror.BackendId), mirror.Numerator, mirror.Denominator, [.. requestSteps]),
                    });
                    break;
                case FilterTypes.Cors when filter.Cors is { } corsConfig:
                    cors = new CorsPolicy(corsConfig);
                    preSteps.Add(new PreStep { Kind = PreStepKind.Cors, Cors = cors });
                    break;
                default:
                    throw new ArgumentException($"filter {filter.Type} has no payload or is not supported");
            }
        }

        var shares = new Share[action.Backends.Length];
        var weights = new int[shares.Length];
        for (var i = 0; i < shares.Length; i++)
        {
            var weighted = action.Backends[i];
            weights[i] = weighted.Weight;
            var steps = new List<RequestStep>(requestSteps);
            var response = new List<HeaderModifier>(responseModifiers);
            foreach (var filter in weighted.Filters)
            {
                switch (filter.Type)
                {
                    case FilterTypes.RequestHeaderModifier when filter.RequestHeaderModifier is { } modifier:
                        steps.Add(new RequestStep { Headers = new HeaderModifier(modifier) });
                        break;
                    case FilterTypes.ResponseHeaderModifier when filter.ResponseHeaderModifier is { } modifier:
                        response.Add(new HeaderModifier(modifier));
                        break;
                    case FilterTypes.UrlRewrite when filter.UrlRewrite is { } rewrite:
                        steps.Add(new RequestStep { Hostname = rewrite.Hostname, Path = rewrite.Path });
                        break;
                    default:
                        throw new ArgumentException($"backendRef filter {filter.Type} is not supported");
                }
            }

            var target = weighted.BackendId is { } id ? backends(id) : null;
            shares[i] = new Share
            {
                Backend = target,
                Status = target is null ? weighted.InvalidStatus ?? 500 : 500,
                Transformer = new GatewayTransformer([.. steps], [.. response], cors, normalizedPrefix),
            };
        }

        return new RouteAction
        {
            Id = action.Id,
            PreSteps = [.. preSteps],
            Shares = shares,
            Picker = WeightedPicker.Create(weights),
            DirectStatus = action.DirectStatus,
            RequestTimeout = Positive(action.Timeouts.Request),
            BackendTimeout = Positive(action.Timeouts.BackendRequest),
            NormalizedPrefix = normalizedPrefix,
            HasMirror = hasMirror,
        };
    }

    private static TimeSpan? Positive(TimeSpan? value) => value is { } v && v > TimeSpan.Zero ? v : null;
}

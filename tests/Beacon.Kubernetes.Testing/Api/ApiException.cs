using System.Text.Json.Nodes;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>A request failed with a <c>metav1.Status</c> body, as kube-apiserver reports every failure.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    public JsonObject ToStatus() => ApiStatus.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());
}

/// <summary>The <c>metav1.Status</c> objects and messages kube-apiserver returns (k8s.io/apimachinery/pkg/api/errors).</summary>
internal static class ApiStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    private static JsonObject Details(ResourceKind kind, string? name, JsonArray? causes = null)
    {
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        details["group"] = kind.Group;
        details["kind"] = kind.Plural;
        if (causes is not null)
        {
            details["causes"] = causes;
        }

        return details;
    }

    public static ApiException NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.GroupResource} \"{name}\" not found", Details(kind, name));

    public static ApiException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.GroupResource} \"{name}\" already exists", Details(kind, name));

    public static ApiException Conflict(ResourceKind kind, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.GroupResource} \"{name}\": {why}", Details(kind, name));

    public const string ModifiedMessage = "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldViolation> violations)
    {
        var causes = new JsonArray();
        foreach (var v in violations)
        {
            causes.Add(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = $"Invalid value: {v.Message}", ["field"] = v.Field });
        }

        var summary = string.Join(", ", violations.Select(v => $"{v.Field}: Invalid value: {v.Message}"));
        var details = Details(kind, name, causes);
        details["kind"] = kind.Kind;
        return new(422, "Invalid", $"{kind.Kind} \"{name}\" is invalid: {summary}", details);
    }

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Expired(string message) => new(410, "Expired", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {contentType})");

    public static ApiException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiException Injected(int code) => new(code, ReasonFor(code), $"injected failure ({code})");

    private static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "",
    };
}

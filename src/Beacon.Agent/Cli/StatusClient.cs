using System.Net;
using System.Text.Json;
using Beacon.Agent.Status;

namespace Beacon.Agent.Cli;

/// <summary>A failure the CLI reports as one message and exit code 1.</summary>
internal sealed class StatusClientException(string message) : Exception(message);

/// <summary>Reads the status endpoint of a running agent for <c>beacon peers</c> and <c>beacon routes</c>.</summary>
internal sealed class StatusClient(HttpClient http, Uri server)
{
    public Task<string> GetPeersJsonAsync(CancellationToken cancellationToken) =>
        GetJsonAsync("api/v1/peers", notFound: null, cancellationToken);

    public Task<string> GetRoutesJsonAsync(string peer, string direction, CancellationToken cancellationToken) =>
        GetJsonAsync(
            $"api/v1/routes?peer={Uri.EscapeDataString(peer)}&direction={Uri.EscapeDataString(direction)}",
            notFound: $"unknown peer '{peer}'",
            cancellationToken);

    public static IReadOnlyList<T> Parse<T>(string json, Uri server)
    {
        try
        {
            var typeInfo = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T[]>)StatusJsonContext.WireOptions.GetTypeInfo(typeof(T[]));
            return JsonSerializer.Deserialize(json, typeInfo) ?? [];
        }
        catch (JsonException e)
        {
            throw new StatusClientException($"{server} did not answer with Beacon status JSON: {e.Message}");
        }
    }

    private async Task<string> GetJsonAsync(string path, string? notFound, CancellationToken cancellationToken)
    {
        var url = new Uri(server, path);
        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.GetAsync(url, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new StatusClientException($"cannot reach the Beacon status endpoint at {server}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StatusClientException($"cannot reach the Beacon status endpoint at {server}: no answer within {http.Timeout.TotalSeconds:0}s");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound && notFound is not null)
            {
                throw new StatusClientException($"{notFound} (at {server})");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new StatusClientException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body)}");
            }

            return body;
        }
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, StatusJsonContext.Default.ErrorResource)?.Error ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

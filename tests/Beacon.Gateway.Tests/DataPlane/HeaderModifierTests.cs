using Beacon.Gateway.Config;
using Beacon.Gateway.DataPlane;
using Microsoft.AspNetCore.Http;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class HeaderModifierTests
{
    [Fact]
    public void Request_modifier_handles_content_headers_and_joins_added_values()
    {
        var modifier = new HeaderModifier(new HeaderModifierConfig(
            [new HeaderValueConfig("Content-Type", "text/plain"), new HeaderValueConfig("x-a", "1")],
            [new HeaderValueConfig("X-A", "2"), new HeaderValueConfig("Accept", "b")],
            ["content-language", "X-Gone"]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://x/") { Content = new StringContent("body") };
        request.Content.Headers.ContentLanguage.Add("en");
        request.Headers.Add("X-Gone", "g");
        request.Headers.TryAddWithoutValidation("Accept", "a");

        modifier.Apply(request);

        Assert.Equal("text/plain", request.Content.Headers.ContentType!.ToString());
        Assert.Equal("1,2", string.Join(";", request.Headers.GetValues("X-A")));
        Assert.Equal("a,b", string.Join(";", request.Headers.NonValidated["Accept"]));
        Assert.Empty(request.Content.Headers.ContentLanguage);
        Assert.False(request.Headers.Contains("X-Gone"));
    }

    [Fact]
    public void Response_modifier_first_entry_of_a_name_wins()
    {
        var modifier = new HeaderModifier(new HeaderModifierConfig(
            [new HeaderValueConfig("X-S", "first"), new HeaderValueConfig("x-s", "second")],
            [],
            []));
        var headers = new HeaderDictionary { ["x-s"] = "old" };

        modifier.Apply(headers);

        Assert.Equal("first", headers["X-S"].ToString());
    }
}

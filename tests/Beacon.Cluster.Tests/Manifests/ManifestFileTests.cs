using Beacon.Cluster.Manifests;
using Beacon.Cluster.Model;
using k8s.Models;

namespace Beacon.Cluster.Tests.Manifests;

public sealed class ManifestFileTests
{
    private const string Config = """
        apiVersion: beacon.dev/v1alpha1
        kind: BGPClusterConfig
        metadata:
          name: default
        spec:
          localASN: 64512
          routerID: 198.51.100.2
          peers:
            - name: router
              peerAddress: 198.51.100.1
              peerASN: 64500
              peerConfigRef:
                name: router
        """;

    [Fact]
    public void Reads_crd_fields_by_their_crd_names()
    {
        var file = ManifestFile.Parse("a.yaml", Config);

        Assert.Empty(file.Errors);
        var config = Assert.IsType<BgpClusterConfig>(Assert.Single(file.Objects));
        Assert.Equal(64512, config.Spec.LocalASN);
        Assert.Equal("198.51.100.2", config.Spec.RouterID);
        var peer = Assert.Single(config.Spec.Peers!);
        Assert.Equal(("router", "198.51.100.1", 64500L, "router"), (peer.Name, peer.PeerAddress, peer.PeerASN!.Value, peer.PeerConfigRef!.Name));
    }

    [Fact]
    public void Reads_every_document_of_a_multi_document_file_and_defaults_the_namespace()
    {
        var file = ManifestFile.Parse("a.yaml", Config + """

            ---
            # a comment-only document holds nothing
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-1
              namespace: shop
            addressType: IPv4
            endpoints:
              - addresses: [192.0.2.1]
            ...
            """);

        Assert.Empty(file.Errors);
        Assert.Collection(
            file.Objects,
            o => Assert.IsType<BgpClusterConfig>(o),
            o => Assert.Equal("default", Assert.IsType<V1Service>(o).Metadata.NamespaceProperty),
            o => Assert.Equal("shop", Assert.IsType<V1EndpointSlice>(o).Metadata.NamespaceProperty));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n---\n")]
    public void An_empty_file_holds_no_objects(string content)
    {
        var file = ManifestFile.Parse("empty.yaml", content);

        Assert.Empty(file.Objects);
        Assert.Empty(file.Errors);
        Assert.Empty(file.Ignored);
    }

    [Fact]
    public void Json_files_are_read()
    {
        var file = ManifestFile.Parse("n.json", """{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"}}""");

        Assert.Empty(file.Errors);
        Assert.Equal("node1", Assert.IsType<V1Node>(Assert.Single(file.Objects)).Metadata.Name);
    }

    [Fact]
    public void Unknown_kinds_are_reported_and_the_rest_of_the_file_is_used()
    {
        var file = ManifestFile.Parse("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n---\n" + Config);

        Assert.True(file.IsUsable);
        Assert.IsType<BgpClusterConfig>(Assert.Single(file.Objects));
        var ignored = Assert.Single(file.Ignored);
        Assert.Equal("a.yaml: ConfigMap settings: kind v1/ConfigMap is not one Beacon reads; ignored", ignored.ToString());
    }

    [Fact]
    public void A_yaml_syntax_error_names_file_and_line()
    {
        var file = ManifestFile.Parse("bad.yaml", "apiVersion: v1\nkind: [unclosed\n");

        Assert.False(file.IsUsable);
        var error = Assert.Single(file.Errors);
        Assert.Equal("bad.yaml", error.Source);
        Assert.StartsWith("line ", error.Message);
    }

    [Fact]
    public void An_unterminated_flow_mapping_is_an_error_not_an_exception()
    {
        var file = ManifestFile.Parse("cut.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: node1, generation: 2\nspec: [");

        Assert.False(file.IsUsable);
        Assert.Equal("cut.yaml", Assert.Single(file.Errors).Source);
    }

    [Theory]
    [InlineData("---\n")]
    [InlineData("---")]
    [InlineData("---\n---\n")]
    [InlineData("\n---\n# nothing more\n")]
    public void A_file_ending_in_a_separator_holds_just_its_objects(string ending)
    {
        var file = ManifestFile.Parse("a.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: node1\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node2}\n" + ending);

        Assert.True(file.IsUsable, string.Join("; ", file.Errors));
        Assert.Equal(2, file.Objects.Length);
    }

    [Fact]
    public void An_unknown_field_is_an_error_not_silently_dropped()
    {
        var file = ManifestFile.Parse("a.yaml", Config.Replace("  localASN: 64512", "  localASN: 64512\n  localAsn: 1"));

        var error = Assert.Single(file.Errors);
        Assert.Equal("BGPClusterConfig default", error.Object);
        Assert.Contains("line 7", error.Message);
        Assert.Contains("localAsn", error.Message);
    }

    [Fact]
    public void A_wrongly_typed_field_is_an_error()
    {
        var file = ManifestFile.Parse("a.yaml", "---\n" + Config.Replace("localASN: 64512", "localASN: many"));

        var error = Assert.Single(file.Errors);
        Assert.Equal("BGPClusterConfig default", error.Object);
        Assert.Contains("line 7", error.Message);
    }

    [Fact]
    public void Validation_errors_name_file_object_and_field()
    {
        var file = ManifestFile.Parse("dir/a.yaml", Config.Replace("peerAddress: 198.51.100.1", "peerAddress: 198.51.100.300"));

        Assert.False(file.IsUsable);
        Assert.Equal(
            "dir/a.yaml: BGPClusterConfig default: spec.peers[0].peerAddress: '198.51.100.300' is not an IP address",
            Assert.Single(file.Errors).ToString());
    }

    [Fact]
    public void A_document_without_kind_is_an_error()
    {
        var file = ManifestFile.Parse("a.yaml", "apiVersion: v1\nmetadata:\n  name: x\n");

        Assert.Equal("a.yaml: document 1 (line 1): kind: required", Assert.Single(file.Errors).ToString());
    }
}

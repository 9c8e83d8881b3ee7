using Beacon.Cluster.Manifests;

namespace Beacon.Cluster.Tests.Manifests;

/// <summary>
/// The source over a real temporary directory. Waits are on the snapshot stream, with a
/// generous timeout only as a safety net against a hung test.
/// </summary>
public sealed class ManifestDirectorySourceTests : IAsyncLifetime
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(20);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "beacon-manifests-" + Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _cts = new();
    private IAsyncEnumerator<ClusterSnapshot>? _snapshots;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _cts.CancelAsync();
        if (_snapshots is not null)
        {
            try
            {
                await _snapshots.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
            }
        }

        _cts.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task First_snapshot_holds_every_manifest_under_the_directory()
    {
        Write("a.yaml", Node("a") + "---\n" + Node("b"));
        Write("sub/deeper/c.yml", Node("c"));
        Write("d.json", """{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "d"}}""");
        Write("empty.yaml", "");
        Write("notes.txt", Node("ignored-extension"));
        Write(".hidden.yaml", Node("ignored-hidden"));
        Write("..data/e.yaml", Node("ignored-configmap-internals"));

        var snapshot = await StartAsync();

        Assert.Equal(["a", "b", "c", "d"], snapshot.Nodes.Keys);
        Assert.Empty(snapshot.Errors);
        Assert.Equal(1, snapshot.Version);
    }

    [Fact]
    public async Task Editing_a_file_produces_a_new_snapshot()
    {
        Write("a.yaml", Node("a"));
        var first = await StartAsync();

        Write("a.yaml", Node("a", "zone: east"));
        var next = await NextMatchingAsync(s => s.Nodes["a"].Metadata.Labels?.ContainsKey("zone") == true);

        Assert.True(next.Version > first.Version);
    }

    [Fact]
    public async Task Adding_a_file_in_a_new_subdirectory_produces_a_new_snapshot()
    {
        await StartAsync();

        Write("new/dir/b.yaml", Node("b"));

        await NextMatchingAsync(s => s.Nodes.ContainsKey("b"));
    }

    [Fact]
    public async Task Deleting_a_file_removes_its_objects()
    {
        Write("a.yaml", Node("a"));
        Write("b.yaml", Node("b"));
        await StartAsync();

        File.Delete(Path.Combine(_dir, "a.yaml"));

        var next = await NextAsync();
        Assert.Equal(["b"], next.Nodes.Keys);
    }

    [Fact]
    public async Task Atomically_replacing_a_file_is_one_change()
    {
        Write("a.yaml", Node("a"));
        var first = await StartAsync();

        Write("a.yaml.tmp", Node("a2"));
        File.Move(Path.Combine(_dir, "a.yaml.tmp"), Path.Combine(_dir, "a.yaml"), overwrite: true);

        // The very next snapshot has the new content: no state in between with the file missing.
        var next = await NextAsync();
        Assert.Equal(["a2"], next.Nodes.Keys);
        Assert.Equal(first.Version + 1, next.Version);
    }

    [Fact]
    public async Task A_bad_file_keeps_its_last_good_content_while_the_rest_updates()
    {
        Write("a.yaml", Node("a"));
        Write("b.yaml", Node("b"));
        await StartAsync();

        Replace("a.yaml", "apiVersion: beacon.dev/v1alpha1\nkind: BGPClusterConfig\nmetadata:\n  name: c\nspec:\n  localASN: 0\n");
        var broken = await NextAsync();
        Assert.Equal(["a", "b"], broken.Nodes.Keys);
        Assert.Empty(broken.ClusterConfigs);
        Assert.Contains(broken.Errors, e => e.ToString() == $"{Path.Combine(_dir, "a.yaml")}: BGPClusterConfig c: spec.localASN: 0 is not an AS number (1..4294967295)");
        Assert.Contains(broken.Errors, e => e.Message == "file has errors; its last good content is used");

        Replace("b.yaml", Node("b2"));
        var updated = await NextAsync();
        Assert.Equal(["a", "b2"], updated.Nodes.Keys);
        Assert.NotEmpty(updated.Errors);

        Replace("a.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: [\n");
        var syntax = await NextAsync();
        Assert.Equal(["a", "b2"], syntax.Nodes.Keys);
        Assert.Contains(syntax.Errors, e => e.Source == Path.Combine(_dir, "a.yaml") && e.Message.StartsWith("line "));

        Replace("a.yaml", Node("a3"));
        var fixedUp = await NextAsync();
        Assert.Equal(["a3", "b2"], fixedUp.Nodes.Keys);
        Assert.Empty(fixedUp.Errors);
    }

    [Fact]
    public async Task A_new_bad_file_contributes_no_objects_and_is_reported()
    {
        Write("a.yaml", Node("a"));
        await StartAsync();

        Replace("b.yaml", "kind: Node\n");
        var next = await NextAsync();

        Assert.Equal(["a"], next.Nodes.Keys);
        Assert.Contains(next.Errors, e => e.Field == "apiVersion" && e.Message == "required");
        Assert.Contains(next.Errors, e => e.Message == "file has errors; no earlier good content; none of its objects are used");
    }

    [Fact]
    public async Task The_same_object_in_two_files_is_reported_and_the_first_by_path_is_used()
    {
        Write("a.yaml", Node("n", "from: a"));
        Write("b.yaml", Node("n", "from: b"));

        var snapshot = await StartAsync();

        Assert.Equal("a", snapshot.Nodes["n"].Metadata.Labels["from"]);
        var error = Assert.Single(snapshot.Errors);
        Assert.Equal($"{Path.Combine(_dir, "b.yaml")}: Node n: defined more than once; the first definition (by file path) is used", error.ToString());
    }

    [Fact]
    public async Task Secrets_land_in_the_snapshot_with_string_data_merged_into_data()
    {
        Write("md5.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: tor-md5
              namespace: beacon-system
            data:
              password: czNjcmV0
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: spine-md5
            data:
              password: b2xk
              other: eA==
            stringData:
              password: plain-text
            """);

        var snapshot = await StartAsync();

        Assert.Empty(snapshot.Errors);
        Assert.Equal(["beacon-system/tor-md5", "default/spine-md5"], snapshot.Secrets.Keys);
        Assert.Equal("s3cret"u8.ToArray(), snapshot.Secrets["beacon-system/tor-md5"].Data["password"]);
        var merged = snapshot.Secrets["default/spine-md5"];
        Assert.Equal("plain-text"u8.ToArray(), merged.Data["password"]);
        Assert.Equal("x"u8.ToArray(), merged.Data["other"]);
        Assert.Null(merged.StringData);
    }

    [Fact]
    public void Default_debounce_keeps_save_to_route_latency_low()
    {
        Assert.InRange(ManifestDirectorySource.DefaultDebounce, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
    }

    private static string Node(string name, string? label = null) =>
        $"apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n" + (label is null ? string.Empty : $"  labels:\n    {label}\n");

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Write-then-rename, so the source never sees a half-written file.</summary>
    private void Replace(string relative, string content)
    {
        Write(relative + ".tmp", content);
        File.Move(Path.Combine(_dir, relative + ".tmp"), Path.Combine(_dir, relative), overwrite: true);
    }

    private async Task<ClusterSnapshot> StartAsync()
    {
        _snapshots = new ManifestDirectorySource(_dir).WatchAsync(_cts.Token).GetAsyncEnumerator(_cts.Token);
        return await NextAsync();
    }

    private async Task<ClusterSnapshot> NextAsync()
    {
        Assert.True(await _snapshots!.MoveNextAsync().AsTask().WaitAsync(s_safetyNet));
        return _snapshots.Current;
    }

    /// <summary>For in-place writes, which a reader may catch half-done: skip such intermediate snapshots.</summary>
    private async Task<ClusterSnapshot> NextMatchingAsync(Func<ClusterSnapshot, bool> predicate)
    {
        while (true)
        {
            var next = await NextAsync();
            if (predicate(next))
            {
                return next;
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Cluster.Manifests;

/// <summary>
/// Reads every <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c> file under a directory (recursively)
/// as Kubernetes manifests and watches it for changes. A file that does not parse or
/// validate keeps its last good content while the rest of the directory keeps updating.
/// </summary>
public sealed partial class ManifestDirectorySource : IClusterSource
{
    /// <summary>Short, because the time from saving a file to the route changing is measured.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(20);

    private static readonly string[] s_extensions = [".yaml", ".yml", ".json"];

    private readonly string _directory;
    private readonly TimeSpan _debounce;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private long _version;

    public ManifestDirectorySource(string directory, ILogger<ManifestDirectorySource>? logger = null, TimeSpan? debounce = null, TimeProvider? timeProvider = null)
    {
        _directory = Path.GetFullPath(directory);
        _debounce = debounce ?? DefaultDebounce;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ManifestDirectorySource>.Instance;
    }

    public string Directory => _directory;

    /// <summary>Reads the directory once, without watching it.</summary>
    public static ClusterSnapshot Load(string directory)
    {
        var source = new ManifestDirectorySource(directory);
        return source.Scan(force: true)!;
    }

    /// <summary>Reads one manifest text (as if it were the only file) into a snapshot, errors included.</summary>
    public static ClusterSnapshot LoadText(string yaml, string source = "(text)")
    {
        var file = ManifestFile.Parse(source, yaml);
        var builder = new ClusterSnapshot.Builder();
        var errors = file.Errors.Concat(file.Ignored).ToList();
        foreach (var obj in file.Objects)
        {
            if (!builder.TryAdd(obj))
            {
                errors.Add(new(source, ClusterSnapshot.DisplayName(obj), null, "defined more than once; the first definition is used"));
            }
        }

        return builder.Build(1, errors);
    }

    public async IAsyncEnumerable<ClusterSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChange(object sender, EventArgs e) => changes.Writer.TryWrite(true);

        // The watcher starts before the first scan so that no change can fall between them.
        using var watcher = new FileSystemWatcher(_directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Created += OnChange;
        watcher.Changed += OnChange;
        watcher.Deleted += OnChange;
        watcher.Renamed += OnChange;

        // On overflow events were lost: a full rescan finds whatever changed.
        watcher.Error += (_, e) =>
        {
            LogWatcherError(e.GetException());
            changes.Writer.TryWrite(true);
        };
        watcher.EnableRaisingEvents = true;

        yield return Scan(force: true)!;

        while (await changes.Reader.WaitToReadAsync(cancellationToken))
        {
            changes.Reader.TryRead(out _);

            // Editors and `kubectl`-style tools touch a file several times per save; changes
            // within the debounce window become one snapshot.
            await Task.Delay(_debounce, _timeProvider, cancellationToken);
            changes.Reader.TryRead(out _);
            if (Scan(force: false) is { } snapshot)
            {
                yield return snapshot;
            }
        }
    }

    /// <summary>Rereads the directory; null when no file's content changed since the last scan.</summary>
    private ClusterSnapshot? Scan(bool force)
    {
        var changed = force;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in EnumerateManifests())
        {
            string content;
            try
            {
                content = File.ReadAllText(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                present.Add(path);
                changed |= Update(path, content: null, readError: e.Message);
                continue;
            }

            present.Add(path);
            changed |= Update(path, content, readError: null);
        }

        foreach (var gone in _files.Keys.Where(p => !present.Contains(p)).ToList())
        {
            _files.Remove(gone);
            changed = true;
        }

        if (!changed)
        {
            return null;
        }

        var builder = new ClusterSnapshot.Builder();
        var errors = new List<SourceError>();
        foreach (var (path, state) in _files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            errors.AddRange(state.Errors);
            foreach (var obj in state.Used.Objects)
            {
                if (!builder.TryAdd(obj))
                {
                    errors.Add(new(path, ClusterSnapshot.DisplayName(obj), null, "defined more than once; the first definition (by file path) is used"));
                }
            }
        }

        var snapshot = builder.Build(++_version, errors);
        LogSnapshot(snapshot.Version, _files.Count, errors.Count);
        foreach (var error in errors)
        {
            LogSourceError(error.ToString());
        }

        return snapshot;
    }

    /// <summary>Records a file's current text; true if it differs from what was read before.</summary>
    private bool Update(string path, string? content, string? readError)
    {
        _files.TryGetValue(path, out var previous);
        if (previous is not null && previous.Content == content && previous.ReadError == readError)
        {
            return false;
        }

        var lastGood = previous?.LastGood;
        ManifestFile parsed;
        if (readError is not null)
        {
            parsed = new([], [new SourceError(path, null, null, $"cannot read: {readError}")], []);
        }
        else
        {
            try
            {
                parsed = ManifestFile.Parse(path, content!);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A parser defect on one file must not stop the watch (and the agent): the
                // file is reported and keeps its last good content, like any invalid file.
                parsed = new([], [new SourceError(path, null, null, $"cannot parse: {e.GetType().Name}: {e.Message}")], []);
            }
        }

        if (parsed.IsUsable)
        {
            lastGood = parsed;
        }

        _files[path] = new FileState(content, readError, parsed, lastGood);
        return true;
    }

    private IEnumerable<string> EnumerateManifests()
    {
        // Names starting with '.' are skipped: editors' temporary files and the "..data"
        // symlink and timestamped directories of a mounted ConfigMap, which would otherwise
        // make every object appear twice.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden, IgnoreInaccessible = true };
        IEnumerable<string> files;
        try
        {
            files = System.IO.Directory.EnumerateFiles(_directory, "*", options).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        return files
            .Where(f => s_extensions.Any(x => f.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
            .Where(f => !Path.GetRelativePath(_directory, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Manifest snapshot {Version}: {Files} files, {Errors} errors")]
    private partial void LogSnapshot(long version, int files, int errors);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Manifest error: {Error}")]
    private partial void LogSourceError(string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "File system watcher error; rescanning")]
    private partial void LogWatcherError(Exception exception);

    /// <param name="Current">The last parse of <paramref name="Content"/>.</param>
    /// <param name="LastGood">The last parse without errors, used while the current one has errors.</param>
    private sealed record FileState(string? Content, string? ReadError, ManifestFile Current, ManifestFile? LastGood)
    {
        public ManifestFile Used => Current.IsUsable ? Current : LastGood ?? ManifestFile.Empty;

        public IEnumerable<SourceError> Errors
        {
            get
            {
                if (Current.IsUsable)
                {
                    return Current.Ignored;
                }

                var note = LastGood is null ? "no earlier good content; none of its objects are used" : "its last good content is used";
                return Current.Errors.Concat(Current.Ignored).Append(new SourceError(Current.Errors[0].Source, null, null, $"file has errors; {note}"));
            }
        }
    }
}

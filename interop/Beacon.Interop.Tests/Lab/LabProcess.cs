using System.Diagnostics;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// A long-running process started by a <see cref="NetworkLab"/> (a routing daemon or the
/// agent), with its stdout and stderr appended to a log file. It is stopped by its PID.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private bool _logClosed;
    private bool _disposed;

    private LabProcess(Process process, StreamWriter log, string logFile, string commandLine)
    {
        _process = process;
        _log = log;
        LogFile = logFile;
        CommandLine = commandLine;
    }

    public int ProcessId => _process.Id;

    public string LogFile { get; }

    public string CommandLine { get; }

    public bool HasExited => _disposed || _process.HasExited;

    internal static LabProcess Start(string fileName, IEnumerable<string> arguments, string logFile)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var commandLine = Command.Describe(startInfo);
        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"# {DateTimeOffset.UtcNow:O} {commandLine}");
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var labProcess = new LabProcess(process, log, logFile, commandLine);
        process.OutputDataReceived += (_, e) => labProcess.Append(e.Data);
        process.ErrorDataReceived += (_, e) => labProcess.Append(e.Data);
        if (!process.Start())
        {
            log.Dispose();
            throw new LabException($"could not start '{commandLine}'");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return labProcess;
    }

    /// <summary>Sends SIGTERM, waits up to <paramref name="grace"/>, then SIGKILL.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (HasExited)
        {
            return;
        }

        // `ip netns exec` execs the daemon, so this PID is the daemon itself.
        _ = await Command.RunAsync("kill", "-TERM", ProcessId.ToString());
        using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        lock (_logLock)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
        _disposed = true;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace Beacon.Interop.Tests.Lab;

/// <summary>Exit code and captured output of a finished command.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public CommandResult EnsureSuccess() =>
        Succeeded
            ? this
            : throw new LabException($"'{CommandLine}' exited with {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}");
}

public sealed class LabException(string message) : Exception(message);

/// <summary>Runs short-lived commands (ip, vtysh, birdc, gobgp) and captures their output.</summary>
public static class Command
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
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

        var commandLine = Describe(startInfo);
        using var process = Process.Start(startInfo) ?? throw new LabException($"could not start '{commandLine}'");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new LabException($"'{commandLine}' did not finish within {timeout ?? DefaultTimeout}");
        }

        return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr);
    }

    public static Task<CommandResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(fileName, (IEnumerable<string>)arguments);

    public static async Task<CommandResult> RunCheckedAsync(string fileName, params string[] arguments) =>
        (await RunAsync(fileName, arguments)).EnsureSuccess();

    internal static string Describe(ProcessStartInfo startInfo)
    {
        var builder = new StringBuilder(startInfo.FileName);
        foreach (var argument in startInfo.ArgumentList)
        {
            builder.Append(' ');
            builder.Append(argument.Contains(' ') ? $"'{argument}'" : argument);
        }

        return builder.ToString();
    }
}

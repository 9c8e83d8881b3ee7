using System.Runtime.InteropServices;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// A netlink operation the kernel refused, or a managed interface that cannot be used.
/// The message names the operation, interface and address, e.g.
/// "adding 203.0.113.10/32 to beacon-gw: Operation not permitted (EPERM)".
/// </summary>
internal sealed class LocalAddressException : Exception
{
    public LocalAddressException(string message)
        : base(message)
    {
    }

    public LocalAddressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="hint">What the operator can do about it, appended in parentheses.</param>
    public LocalAddressException(string operation, int errno, string? kernelMessage, string? hint = null)
        : base(Format(operation, errno, kernelMessage) + (hint is null ? "" : $" ({hint})"))
    {
        Errno = errno;
    }

    /// <summary>The kernel's errno, or 0 when the failure was not a refused request.</summary>
    public int Errno { get; }

    public static string Format(string operation, int errno, string? kernelMessage) =>
        string.IsNullOrEmpty(kernelMessage)
            ? $"{operation}: {Errnos.Describe(errno)}"
            : $"{operation}: {Errnos.Describe(errno)}: {kernelMessage}";
}

/// <summary>The Linux errno values rtnetlink answers with (asm-generic/errno-base.h, errno.h).</summary>
internal static class Errnos
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int EOPNOTSUPP = 95;
    public const int EADDRNOTAVAIL = 99;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM",
        [ENOENT] = "ENOENT",
        [12] = "ENOMEM",
        [13] = "EACCES",
        [16] = "EBUSY",
        [EEXIST] = "EEXIST",
        [ENODEV] = "ENODEV",
        [EINVAL] = "EINVAL",
        [28] = "ENOSPC",
        [34] = "ERANGE",
        [EOPNOTSUPP] = "EOPNOTSUPP",
        [97] = "EAFNOSUPPORT",
        [EADDRNOTAVAIL] = "EADDRNOTAVAIL",
        [105] = "ENOBUFS",
    };

    /// <summary>"Operation not permitted (EPERM)": strerror text and the symbolic name.</summary>
    public static string Describe(int errno) =>
        Names.TryGetValue(errno, out var name)
            ? $"{Marshal.GetPInvokeErrorMessage(errno)} ({name})"
            : $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}

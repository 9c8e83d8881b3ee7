using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// Listening sockets that live in a test's network namespace while this process stays in
/// its own: a thread joins the namespace (setns(2)), creates and binds the socket, and
/// ends; the socket keeps the namespace it was made in. Used to put the in-process API
/// server at 127.0.0.1 of a node namespace, where an agent started there can reach it.
/// </summary>
public static partial class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    public static Socket Listen(string networkNamespace, IPEndPoint endpoint)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{networkNamespace}", FileMode.Open, FileAccess.Read);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {networkNamespace} failed");
                }

                socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(endpoint);
                socket.Listen(128);
            }
            catch (Exception ex)
            {
                socket?.Dispose();
                socket = null;
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"cannot listen on {endpoint} in {networkNamespace}", error);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread that has joined <paramref name="networkNamespace"/>:
    /// sockets it opens (netlink ones included) stay in that namespace.
    /// </summary>
    public static T Run<T>(string networkNamespace, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{networkNamespace}", FileMode.Open, FileAccess.Read);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {networkNamespace} failed");
                }

                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result! : throw new InvalidOperationException($"running in {networkNamespace} failed", error);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}

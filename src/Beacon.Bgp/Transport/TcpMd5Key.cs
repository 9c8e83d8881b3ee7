using System.Text;

namespace Beacon.Bgp.Transport;

/// <summary>
/// A TCP MD5 signature key (RFC 2385). Compared by value, so a re-planned peer with the
/// same password keeps its session; <see cref="ToString"/> never shows the key, so it
/// cannot leak through a record's generated ToString, a log line or a status field.
/// </summary>
public sealed class TcpMd5Key : IEquatable<TcpMd5Key>
{
    /// <summary>TCP_MD5SIG_MAXKEYLEN in linux/tcp.h.</summary>
    public const int MaxLength = 80;

    private readonly byte[] _key;

    public TcpMd5Key(ReadOnlySpan<byte> key)
    {
        if (key.Length is 0 or > MaxLength)
        {
            throw new ArgumentException($"a TCP MD5 key has 1 to {MaxLength} bytes, not {key.Length}", nameof(key));
        }

        _key = key.ToArray();
    }

    public int Length => _key.Length;

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>The key as routers take it in their configuration: the password's UTF-8 bytes.</summary>
    public static TcpMd5Key FromPassword(string password) => new(Encoding.UTF8.GetBytes(password));

    public bool Equals(TcpMd5Key? other) => other is not null && _key.AsSpan().SequenceEqual(other._key);

    public override bool Equals(object? obj) => Equals(obj as TcpMd5Key);

    public override int GetHashCode() => _key.Length;

    public override string ToString() => "(redacted)";
}

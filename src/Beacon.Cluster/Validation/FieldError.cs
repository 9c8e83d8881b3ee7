namespace Beacon.Cluster.Validation;

/// <summary>One invalid field: its path from the object root (<c>spec.peers[0].peerAddress</c>) and why.</summary>
public sealed record FieldError(string Field, string Message);

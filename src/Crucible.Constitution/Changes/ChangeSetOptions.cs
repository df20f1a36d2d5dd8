namespace Crucible.Constitution.Changes;

/// <summary>Limits for reading files into a change set. Defaults: files up to 1 MiB, up to 5000 unchanged context files.</summary>
public sealed record ChangeSetOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static ChangeSetOptions Default { get; } = new();

    /// <summary>Files larger than this are skipped (reported in <see cref="ChangeSet.Skipped"/>).</summary>
    public long MaxFileBytes { get; init; } = 1024 * 1024;

    /// <summary>At most this many unchanged files are read for context; the rest are skipped.</summary>
    public int MaxUnchangedFiles { get; init; } = 5000;

    /// <summary>How long one git command may run.</summary>
    public TimeSpan GitTimeout { get; init; } = TimeSpan.FromMinutes(1);
}

using Crucible.Core.Tasks;

namespace Crucible.Core.Verification;

/// <summary>
/// Grades a workspace against a task's pristine tests. The verifier, never the solver, decides
/// whether the tests passed.
/// </summary>
/// <remarks>
/// Trust contract: the workspace is treated as hostile. The verifier copies it, restores the
/// pristine test files over the copy, keeps the reference solution and task metadata out of it,
/// runs every command through the sandbox, and reads results only from files it asked the test
/// framework to write, cross-checked with canary tests and the pristine test count.
/// </remarks>
public interface IVerifier
{
    /// <summary>Grades the candidate files in <paramref name="workspacePath"/> (the folder is not modified).</summary>
    Task<Verdict> VerifyAsync(TaskSpec task, string workspacePath, VerifyOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>Options for one verification.</summary>
public sealed record VerifyOptions
{
    /// <summary>Folder where the verifier writes logs and result files for this attempt. Null keeps nothing.</summary>
    public string? ArtifactsPath { get; init; }

    /// <summary>When false, only the test files are restored: nothing else of the original workspace is reinstated.</summary>
    public bool RestoreProtectedFiles { get; init; } = true;
}

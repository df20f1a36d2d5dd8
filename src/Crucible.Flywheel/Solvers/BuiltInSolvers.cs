using Crucible.Core;
using Crucible.Core.Solving;
using Crucible.Verification.Grading;

namespace Crucible.Flywheel.Solvers;

/// <summary>Applies the task's reference solution. Used to validate tasks and the harness; never a model.</summary>
public sealed class ReferenceSolver : ISolver
{
    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
    {
        if (context.Task.ReferenceFiles.Count == 0)
        {
            return Task.FromResult(new SolveResult { Status = "no-reference", Message = $"task '{context.Task.Id}' has no reference solution" });
        }
        foreach (var f in context.Task.ReferenceFiles)
        {
            Workspaces.WriteTaskFile(f, context.WorkspacePath);
        }
        return Task.FromResult(SolveResult.Completed);
    }
}

/// <summary>Leaves the starting workspace as it is: the baseline every real solver must beat.</summary>
public sealed class StubSolver : ISolver
{
    /// <inheritdoc />
    public string Name => "stub";

    /// <inheritdoc />
    public Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default) => Task.FromResult(SolveResult.Completed);
}

/// <summary>
/// Overlays candidate files produced elsewhere: everything under <c>DIR/&lt;task-id&gt;/</c> is copied
/// onto the task's workspace (like SWE-bench predictions). Candidates may include changed test
/// files; grading restores them and flags the tampering. Links in the candidate folder are not followed.
/// </summary>
public sealed class FilesSolver : ISolver
{
    private readonly string _candidates;

    /// <summary>Creates the solver over <paramref name="candidatesDirectory"/>.</summary>
    /// <exception cref="BadInputException">The folder does not exist.</exception>
    public FilesSolver(string candidatesDirectory)
    {
        _candidates = Path.GetFullPath(candidatesDirectory);
        if (!Directory.Exists(_candidates))
        {
            throw new BadInputException($"candidates folder '{candidatesDirectory}' does not exist", "pass --candidates DIR, a folder with one sub-folder of files per task id");
        }
    }

    /// <inheritdoc />
    public string Name => "files";

    /// <inheritdoc />
    public Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
    {
        var source = Path.Combine(_candidates, context.Task.Id);
        if (!Directory.Exists(source))
        {
            return Task.FromResult(new SolveResult { Status = "no-candidate", Message = $"no candidate folder {source}; the starting workspace is graded as it is" });
        }
        var skipped = new List<string>();
        foreach (var rel in Workspaces.ListRegularFiles(source, skipped))
        {
            var dest = Workspaces.Resolve(context.WorkspacePath, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(source, rel), dest, overwrite: true);
        }
        return Task.FromResult(skipped.Count == 0
            ? SolveResult.Completed
            : new SolveResult { Message = $"not copied: {string.Join(", ", skipped)}" });
    }
}

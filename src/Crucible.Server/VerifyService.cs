using System.Text;
using System.Text.Json;
using Crucible.Core.IO;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Server;

/// <summary>
/// One verification for the API: checks the request against the <see cref="ServerPolicy"/>, writes the task's starting
/// files and the candidate into a fresh job folder (names confined by <see cref="SafePaths"/>; a diff is applied by
/// <c>git apply</c> in the sandbox), grades it with the composition root's <see cref="IVerifier"/> in a slot of
/// <see cref="VerificationSlots"/>, and deletes the job folder.
/// </summary>
public sealed class VerifyService
{
    private readonly ServerOptions _options;

    /// <summary>Creates the service over the server's options and slots.</summary>
    public VerifyService(ServerOptions options, VerificationSlots slots, TaskCatalog catalog)
    {
        _options = options;
        Slots = slots;
        Catalog = catalog;
    }

    /// <summary>The slots verifications run in.</summary>
    public VerificationSlots Slots { get; }

    /// <summary>The served tasks.</summary>
    public TaskCatalog Catalog { get; }

    /// <summary>Where job folders are made (one per request, deleted after it).</summary>
    public string JobRoot => _options.JobRoot;

    /// <summary>Checks the sizes and shape of <paramref name="request"/> without touching the disk.</summary>
    /// <exception cref="ApiException">400 or 413 naming the problem.</exception>
    public void Validate(VerifyRequest? request)
    {
        var policy = _options.Policy;
        if (request is null)
        {
            throw new ApiException(400, "malformed_request", "the request body is empty", "send a JSON object with 'task' (or 'inline_task') and 'files', 'diff' or 'response'");
        }
        if ((request.Task is null) == (request.InlineTask is null))
        {
            throw new ApiException(400, "malformed_request", "give exactly one of 'task' and 'inline_task'", "send \"task\": {\"suite\": ..., \"id\": ...} or \"inline_task\": {\"files\": {...}}");
        }
        var candidates = (request.Files is null ? 0 : 1) + (request.Diff is null ? 0 : 1) + (request.Response is null ? 0 : 1);
        if (candidates > 1)
        {
            throw new ApiException(400, "malformed_request", "give at most one of 'files', 'diff' and 'response'", "send the candidate one way");
        }
        foreach (var files in new[] { request.Files, request.InlineTask?.Files })
        {
            if (files is null)
            {
                continue;
            }
            if (files.Count > policy.MaxFiles)
            {
                throw new ApiException(413, "payload_too_large", $"{files.Count} files is more than the server's limit of {policy.MaxFiles}", "send fewer files");
            }
            foreach (var (name, content) in files)
            {
                SafePaths.Check(name);
                if (content is null)
                {
                    throw new ApiException(400, "malformed_request", $"file '{name}' has no content", "send each file's text as a string");
                }
                if (Encoding.UTF8.GetByteCount(content) > policy.MaxFileBytes)
                {
                    throw new ApiException(413, "payload_too_large", $"file '{name}' is larger than the server's limit of {policy.MaxFileBytes} bytes", "send smaller files");
                }
            }
        }
        if (request.Diff is { } diff && Encoding.UTF8.GetByteCount(diff) > policy.MaxDiffBytes)
        {
            throw new ApiException(413, "payload_too_large", $"the diff is larger than the server's limit of {policy.MaxDiffBytes} bytes", "send a smaller diff");
        }
    }

    /// <summary>Verifies <paramref name="request"/> and returns the verdict and reward.</summary>
    /// <exception cref="ApiException">Bad input (4xx) or a full queue (503).</exception>
    public async Task<VerifyResult> VerifyAsync(VerifyRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        var jobDir = Path.Combine(JobRoot, "job-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(jobDir);
        try
        {
            var (task, name) = ResolveTask(request, jobDir);
            var workspace = Path.Combine(jobDir, "workspace");
            Workspaces.Materialize(task, workspace);
            var files = request.Files ?? (request.Response is { } response
                ? new Dictionary<string, string> { [ResponseCode.TargetFile(task)] = ResponseCode.Extract(response) }
                : null);
            foreach (var (path, content) in files ?? [])
            {
                var target = SafePaths.Resolve(workspace, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                if (File.Exists(target))
                {
                    File.Delete(target);
                }
                await File.WriteAllTextAsync(target, content, cancellationToken).ConfigureAwait(false);
            }
            if (request.Diff is { } diff)
            {
                await ApplyDiffAsync(workspace, diff, cancellationToken).ConfigureAwait(false);
            }
            var verdict = await Slots.RunAsync(
                "verify",
                async ct =>
                {
                    var graded = await _options.Verifier.VerifyAsync(task, workspace, null, ct).ConfigureAwait(false);
                    // A verification cut short by cancellation (a stopping server, a caller gone) says nothing about the
                    // candidate: it must not come back as a zero reward.
                    ct.ThrowIfCancellationRequested();
                    return graded;
                },
                v => v.Status.ToString(),
                cancellationToken).ConfigureAwait(false);
            return ToResult(name, verdict);
        }
        finally
        {
            ProcessTemp.DeleteTree(jobDir);
        }
    }

    /// <summary>The API's record of <paramref name="verdict"/>.</summary>
    public static VerifyResult ToResult(string name, Verdict verdict) => new()
    {
        Task = name,
        Reward = verdict.CountsAsPass ? 1.0 : 0.0,
        Verdict = JsonSerializer.SerializeToElement(verdict, ResultStore.Json),
        Status = verdict.Status,
    };

    private (TaskSpec Task, string Name) ResolveTask(VerifyRequest request, string jobDir)
    {
        if (request.Task is { } reference)
        {
            return (Catalog.Find(reference.Suite, reference.Id), $"{reference.Suite}/{reference.Id}");
        }
        var files = request.InlineTask!.Files ?? [];
        if (!files.ContainsKey(NativeTaskSource.TaskFileName))
        {
            throw new ApiException(400, "malformed_request", $"the inline task has no {NativeTaskSource.TaskFileName}", "send the files of a native task folder (task.yaml, workspace/..., see docs/tasks.md)");
        }
        var taskDir = Path.Combine(jobDir, "task");
        foreach (var (path, content) in files)
        {
            var target = SafePaths.Resolve(taskDir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, content);
        }
        try
        {
            var task = NativeTaskSource.LoadTask(taskDir);
            return (task, $"inline/{task.Id}");
        }
        catch (TaskLoadException e)
        {
            throw new ApiException(400, "bad_task", e.Message.Replace(taskDir + "/", "", StringComparison.Ordinal), e.Fix ?? "fix the task files (see docs/tasks.md)");
        }
    }

    private async Task ApplyDiffAsync(string workspace, string diff, CancellationToken cancellationToken)
    {
        // git apply refuses absolute paths, '..' and paths beyond a link on its own; links it would create are refused here.
        if (diff.Split('\n').Any(l => l.StartsWith("new file mode 120000", StringComparison.Ordinal) || l.StartsWith("new mode 120000", StringComparison.Ordinal)))
        {
            throw new ApiException(400, "bad_file_name", "the diff creates a symbolic link", "send plain files; links are refused");
        }
        var result = await _options.Sandbox.ExecuteAsync(
            new SandboxCommand("git", ["apply", "--whitespace=nowarn", "-"]) { StandardInput = diff },
            new SandboxPolicy { WorkspacePath = workspace, Limits = ResourceLimits.Default with { WallTime = TimeSpan.FromSeconds(30) } },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new ApiException(400, "bad_diff", "the diff does not apply to the task's starting files: " + (result.Stderr.Text + result.Stdout.Text).Replace(workspace, "<workspace>", StringComparison.Ordinal).Trim(),
                "make the diff against the task's starting workspace (paths as a/<path> b/<path>, as git diff writes them)");
        }
        var skipped = new List<string>();
        Workspaces.ListRegularFiles(workspace, skipped);
        if (skipped.Count > 0)
        {
            throw new ApiException(400, "bad_file_name", $"the diff left links or special files: {string.Join(", ", skipped)}", "send plain files; links are refused");
        }
    }
}

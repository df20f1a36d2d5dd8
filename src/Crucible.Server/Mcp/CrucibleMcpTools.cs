using System.Collections.Concurrent;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Constitution.Loading;
using Crucible.Core.IO;
using Crucible.Core.Sandbox;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Repository;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crucible.Server.Mcp;

/// <summary>
/// Verdicts the MCP tools produced, readable as resources <c>crucible://verdicts/{id}</c> for as long as the server runs
/// (the tools return a summary and the resource's URI, so a client reads the full verdict only when it needs it).
/// </summary>
public sealed class VerdictResources
{
    private readonly ConcurrentDictionary<string, string> _verdicts = new(StringComparer.Ordinal);

    /// <summary>The URI scheme and path of verdict resources.</summary>
    public const string UriPrefix = "crucible://verdicts/";

    /// <summary>Keeps <paramref name="json"/> and returns its URI.</summary>
    public string Add(string json)
    {
        var id = Guid.NewGuid().ToString("N")[..16];
        _verdicts[id] = json;
        return UriPrefix + id;
    }

    /// <summary>The verdict JSON of <paramref name="id"/>, or null.</summary>
    public string? Get(string id) => _verdicts.TryGetValue(id, out var json) ? json : null;
}

/// <summary>The summary every verifying tool returns; the full verdict is the resource at <see cref="VerdictUri"/>.</summary>
/// <param name="Verified">True only when the harness ran the tests and they prove the change (or the task) is done.</param>
/// <param name="Status">The verdict's status (<c>Passed</c>, <c>Failed</c>, <c>BuildFailed</c>, ... or <c>Verified</c>/<c>NotVerified</c> for repositories).</param>
/// <param name="Summary">One line saying why.</param>
/// <param name="Reasons">Why it is not verified, most important first (empty when verified).</param>
/// <param name="VerdictUri">The full verdict, as an MCP resource.</param>
public sealed record ToolVerdict(
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons,
    [property: JsonPropertyName("verdict_uri")] string VerdictUri);

/// <summary>One principle of the constitution.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="Question">The question the principle asks of a change.</param>
/// <param name="Checks">The automated checks that test it.</param>
public sealed record PrincipleView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("checks")] IReadOnlyList<string> Checks);

/// <summary>The constitution the review tool returns.</summary>
/// <param name="Name">The constitution's name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Principles">Its principles in order.</param>
public sealed record ConstitutionView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("principles")] IReadOnlyList<PrincipleView> Principles);

/// <summary>The served tasks.</summary>
/// <param name="Tasks">Every task as <c>suite/id</c>.</param>
public sealed record TaskList([property: JsonPropertyName("tasks")] IReadOnlyList<TaskInfo> Tasks);

/// <summary>
/// Crucible's MCP tools, served over stdio (<c>crucible mcp</c>) and streamable HTTP (<c>/mcp</c> on <c>crucible serve</c>).
/// Trust contract: every test run happens in the sandbox, on a copy; the caller's repository is never written.
/// </summary>
[McpServerToolType]
[McpServerResourceType]
public sealed class CrucibleMcpTools(ServerOptions options, VerifyService verify, VerdictResources verdicts)
{
    /// <summary>Verifies a repository's change (or a diff applied to a copy of it) with <c>crucible verify</c>'s semantics.</summary>
    [McpServerTool(Name = "verify", Title = "Verify a change", ReadOnly = true, Idempotent = true, UseStructuredContent = true)]
    [Description("Prove that a code change works: runs the repository's tests at the base revision and with the change, in a sandbox, and says whether the change is verified (tests that passed still pass, failing tests it fixes now pass, no test was weakened). Give 'path' (a git repository; its uncommitted change is verified against HEAD, or the last commit when the tree is clean) and optionally 'diff' (a unified diff applied to a copy of that repository, which is never modified). The full verdict is returned as a resource (verdict_uri).")]
    public async Task<ToolVerdict> Verify(
        [Description("Absolute path of a folder in the git repository.")] string path,
        [Description("Optional unified diff (git diff output) to apply to a copy of the repository before verifying.")] string? diff = null,
        [Description("Base revision (default: HEAD when there are changes, else HEAD~1).")] string? @base = null,
        [Description("Shell command that runs the tests (default: the repository's .crucible/settings.json testCommand, else detected).")] string? test_command = null,
        [Description("Fail when the change edits existing tests or test infrastructure.")] bool strict = false,
        CancellationToken cancellationToken = default)
    {
        if (options.RepositoryRunner is not { } runner)
        {
            throw McpToolErrors.BadInput("this server was started without a repository test runner", "use crucible mcp or crucible serve, which run the repository's tests");
        }
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path) || !Directory.Exists(path))
        {
            throw McpToolErrors.BadInput($"path '{path}' is not an absolute path of an existing folder", "pass the absolute path of a folder in the git repository to verify");
        }
        string? copy = null;
        try
        {
            var target = path;
            if (diff is not null)
            {
                copy = ProcessTemp.NewPath("mcp-verify-");
                Directory.CreateDirectory(copy);
                var top = Path.GetFullPath(path);
                var result = await options.Sandbox.ExecuteAsync(
                    new SandboxCommand("/bin/sh", ["-c", "git clone -q --no-hardlinks \"$1\" . && git apply --whitespace=nowarn -", "sh", top]) { StandardInput = diff },
                    new SandboxPolicy { WorkspacePath = copy, ReadOnlyPaths = [top], Environment = new Dictionary<string, string> { ["GIT_CONFIG_NOSYSTEM"] = "1" } },
                    cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    throw McpToolErrors.BadInput("the diff does not apply to a clone of the repository: " + (result.Stderr.Text + result.Stdout.Text).Trim(), "make the diff against the repository's HEAD (git diff output, paths as a/<path> b/<path>)");
                }
                target = copy;
            }
            RepositoryVerdict verdict;
            try
            {
                verdict = await new RepositoryVerifier(runner, options.Toolchain).VerifyAsync(new RepositoryVerifyRequest
                {
                    RepositoryPath = target,
                    BaseRef = @base ?? (diff is not null ? "HEAD" : null),
                    TestCommand = test_command,
                    Strict = strict,
                    CacheDirectory = options.RepositoryCacheDirectory,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Core.BadInputException e)
            {
                throw McpToolErrors.BadInput(e.Message, e.Fix);
            }
            var uri = verdicts.Add(JsonSerializer.Serialize(verdict, RepositoryVerdictJson.Indented));
            return new ToolVerdict(verdict.Verified, verdict.Verified ? "Verified" : "NotVerified", verdict.Summary, verdict.Reasons, uri);
        }
        finally
        {
            if (copy is not null)
            {
                ProcessTemp.DeleteTree(copy);
            }
        }
    }

    /// <summary>Grades a candidate for a served task.</summary>
    [McpServerTool(Name = "verify_task", Title = "Verify a task solution", ReadOnly = true, Idempotent = true, UseStructuredContent = true)]
    [Description("Grade a solution of a served task (see list_tasks) against the task's hidden, pristine tests in a sandbox. Give the task as 'suite/id' and the solution as 'files' (workspace-relative path -> full file content, written over the task's starting files). Returns whether it counts as a pass; the full verdict (build log, per-test outcomes, integrity flags) is a resource (verdict_uri).")]
    public async Task<ToolVerdict> VerifyTask(
        [Description("The task, as suite/id (list_tasks names them).")] string task,
        [Description("The solution: workspace-relative path -> full content of each changed file.")] Dictionary<string, string> files,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var spec = verify.Catalog.Find(task);
            var result = await verify.VerifyAsync(new VerifyRequest { Task = new TaskReference(task[..task.IndexOf('/', StringComparison.Ordinal)], spec.Id), Files = files }, cancellationToken).ConfigureAwait(false);
            var reasons = result.Verdict.TryGetProperty("reasons", out var r) ? r.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            var counts = result.Verdict.GetProperty("counts");
            var summary = $"{result.Status}: {counts.GetProperty("passed").GetInt32()} of {counts.GetProperty("expected").GetInt32()} tests passed";
            var uri = verdicts.Add(JsonSerializer.Serialize(result.Verdict, ResultStore.ArtifactJson));
            return new ToolVerdict(result.Reward > 0, result.Status.ToString(), summary, result.Reward > 0 ? [] : reasons, uri);
        }
        catch (ApiException e)
        {
            throw McpToolErrors.BadInput(e.Message, e.Fix);
        }
    }

    /// <summary>The served tasks.</summary>
    [McpServerTool(Name = "list_tasks", Title = "List tasks", ReadOnly = true, Idempotent = true, UseStructuredContent = true)]
    [Description("List the coding tasks this server can grade, as suite/id with their language, the files a solution may edit, and the instructions. Pass a name to verify_task.")]
    public TaskList ListTasks() => new(verify.Catalog.List());

    /// <summary>The constitution.</summary>
    [McpServerTool(Name = "review", Title = "The constitution", ReadOnly = true, Idempotent = true, UseStructuredContent = true)]
    [Description("Return Crucible's constitution: the principles good code follows (tests prove behaviour, no weakened tests, small focused changes, ...). Review your change against each principle before calling verify.")]
    public static ConstitutionView Review()
    {
        var doc = ConstitutionLoader.Default;
        return new ConstitutionView(doc.Name, doc.Version, [.. doc.Principles.Select(p => new PrincipleView(p.Id, p.Question, p.Checks))]);
    }

    /// <summary>A verdict a tool returned.</summary>
    [McpServerResource(UriTemplate = VerdictResources.UriPrefix + "{id}", Name = "verdict", Title = "Verdict", MimeType = "application/json")]
    [Description("The full verdict a verify or verify_task call produced (JSON).")]
    public string Verdict([Description("The verdict id from verdict_uri.")] string id) =>
        verdicts.Get(id) ?? throw McpToolErrors.BadInput($"no verdict '{id}'", "read a verdict_uri returned by this server since it started (verdicts live as long as the server)");
}

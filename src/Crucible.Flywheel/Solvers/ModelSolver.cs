using System.Text;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Usage;
using Crucible.Models;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Solvers;

/// <summary>
/// Settings of the one-shot model solver. Defaults: the provider's temperature, sample seed = <see cref="BaseSeed"/> +
/// sample number, 16,000 output tokens, editable files up to 200,000 bytes each shown in the prompt.
/// </summary>
public sealed record ModelSolverOptions
{
    /// <summary>Sampling temperature sent to the provider, or null for the provider's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The seed of sample 0; sample s is sent seed <c>BaseSeed + s</c> (providers that take a seed use it).</summary>
    public long BaseSeed { get; init; } = 1;

    /// <summary>Output-token cap of the one call.</summary>
    public int MaxOutputTokens { get; init; } = 16_000;

    /// <summary>Editable files larger than this are listed by name only.</summary>
    public long MaxFileBytes { get; init; } = 200_000;
}

/// <summary>
/// A one-shot model solver (<c>--solver model</c>): one call with the task's instructions and its editable files (prompt in
/// <see cref="ModelSolverPrompt"/>, documented in docs/eval.md), whose answer gives the new whole contents of the files it
/// changes (<see cref="ModelAnswerParser"/>). A malformed answer is a solver failure with its reason; a failed call is a
/// model error (not a result). The prompt and the answer are kept in the attempt folder.
/// </summary>
/// <param name="clientFactory">Creates the model client (one per attempt, so attempts can run in parallel).</param>
/// <param name="options">Solver settings.</param>
/// <param name="pricing">Dollars of a call's usage, or null when the model has no known price.</param>
public sealed class ModelSolver(Func<IChatClient> clientFactory, ModelSolverOptions options, Func<UsageDetails, decimal?>? pricing = null) : ISolver
{
    /// <summary>File name of the prompt in the attempt folder.</summary>
    public const string PromptFile = "prompt.md";

    /// <summary>File name of the model's answer in the attempt folder.</summary>
    public const string AnswerFile = "answer.md";

    /// <inheritdoc />
    public string Name => "model";

    /// <inheritdoc />
    public async Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
    {
        var task = context.Task;
        var editableFiles = Workspaces.ListRegularFiles(context.WorkspacePath).Where(p => PathGlob.MatchesAny(p, task.Editable)).Order(StringComparer.Ordinal).ToList();
        var files = editableFiles.Select(p => (Path: p, Content: new FileInfo(Path.Combine(context.WorkspacePath, p)).Length <= options.MaxFileBytes ? File.ReadAllText(Path.Combine(context.WorkspacePath, p)) : null)).ToList();
        var messages = ModelSolverPrompt.Build(task, files);
        Directory.CreateDirectory(context.ArtifactsPath);
        await File.WriteAllTextAsync(Path.Combine(context.ArtifactsPath, PromptFile), string.Join("\n\n", messages.Select(m => $"## {m.Role}\n\n{m.Text}")), cancellationToken).ConfigureAwait(false);

        var chatOptions = new ChatOptions
        {
            Temperature = options.Temperature is { } t ? (float)t : null,
            Seed = options.BaseSeed + context.Sample,
            MaxOutputTokens = options.MaxOutputTokens,
        };
        ChatResponse response;
        using (var client = clientFactory())
        {
            try
            {
                response = await client.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var message = e is ModelCallException m ? $"model call failed ({m.Kind}): {m.Message}" : $"model call failed: {e.Message}";
                return new SolveResult { Status = "model-error", Message = message, Failure = SolveFailure.ModelError };
            }
        }
        var details = response.Usage ?? new UsageDetails();
        // A replay from the response cache cost nothing.
        var replay = Models.Caching.CachingChatClient.IsReplay(response.AdditionalProperties) || response.Messages.Any(m => Models.Caching.CachingChatClient.IsReplay(m.AdditionalProperties));
        var usage = new UsageTotals(UsageConversion.ToTokenUsage(details), replay ? 0m : pricing?.Invoke(details) ?? 0m, 1);
        var answer = response.Text ?? "";
        await File.WriteAllTextAsync(Path.Combine(context.ArtifactsPath, AnswerFile), answer, cancellationToken).ConfigureAwait(false);

        var parsed = ModelAnswerParser.Parse(answer, task.Editable, editableFiles);
        if (parsed.Error is { } error)
        {
            return new SolveResult { Status = "malformed-answer", Message = error, Failure = SolveFailure.MalformedAnswer, Usage = usage };
        }
        foreach (var (path, content) in parsed.Files)
        {
            var dest = Workspaces.Resolve(context.WorkspacePath, path);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            await File.WriteAllTextAsync(dest, content, cancellationToken).ConfigureAwait(false);
        }
        return new SolveResult { Message = $"wrote {string.Join(", ", parsed.Files.Keys)}", Usage = usage };
    }
}

/// <summary>The one-shot prompt of <see cref="ModelSolver"/> (documented word for word in docs/eval.md).</summary>
public static class ModelSolverPrompt
{
    /// <summary>The system message.</summary>
    public const string System = """
        You are an expert programmer solving a coding task in one answer. You cannot run code or ask questions.
        Hidden tests will grade the files you return.
        Answer with the complete new content of every file you change. For each file, write a line
        FILE: <path>
        followed by one fenced code block holding the whole file, with nothing left out. Only the editable files listed
        may be changed. Do not change or add tests.
        """;

    /// <summary>The messages for <paramref name="task"/> with its editable files (content null when too large to show).</summary>
    public static IList<ChatMessage> Build(TaskSpec task, IReadOnlyList<(string Path, string? Content)> files)
    {
        var user = new StringBuilder();
        user.Append("Task: ").Append(task.Id).Append(" (").Append(task.Language).Append(")\n\n");
        user.Append("## Instructions\n\n").Append(task.Instructions.Trim()).Append("\n\n");
        user.Append("## Editable files\n\n");
        foreach (var (path, content) in files)
        {
            if (content is null)
            {
                user.Append("FILE: ").Append(path).Append(" (too large to show)\n\n");
                continue;
            }
            var fence = content.Contains("```", StringComparison.Ordinal) ? "~~~~" : "```";
            user.Append("FILE: ").Append(path).Append('\n').Append(fence).Append('\n').Append(content);
            if (!content.EndsWith('\n'))
            {
                user.Append('\n');
            }
            user.Append(fence).Append("\n\n");
        }
        user.Append("Editable paths (globs): ").Append(string.Join(", ", task.Editable)).Append('\n');
        return [new ChatMessage(ChatRole.System, System), new ChatMessage(ChatRole.User, user.ToString())];
    }
}

using Crucible.Constitution.Changes;
using Crucible.Constitution.Critique;
using Crucible.Constitution;
using System.Diagnostics;
using System.Text;
using Crucible.Core;
using Crucible.Core.Integrity;
using Crucible.Core.Tasks;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Critique;

/// <summary>
/// The Constitutional-AI critique → revision loop (Bai et al. 2022) applied to code. Each round samples
/// a principle (by weight, without replacement), asks the model to critique the current candidate
/// against it, then to revise it in the same conversation. A revision is applied to a copy of the
/// candidate, re-verified by the harness, and kept only when the verdict still counts as a pass.
/// </summary>
/// <remarks>
/// Trust contract: the model never writes to the input folder. Its revision may write only the task's
/// editable files; a revision naming a protected test file, a non-editable file or a path leaving the
/// workspace is rejected whole and never applied. The verifier, not the model, decides whether a
/// revision is kept. Every round is recorded and, when a trajectory file is set, appended to it and
/// flushed before the next round starts.
/// </remarks>
public sealed class CritiqueRevisionLoop
{
    private readonly IChatClient _client;
    private readonly IVerifier _verifier;
    private readonly IIntegrityChecker? _integrity;
    private readonly CritiqueOptions _options;

    /// <summary>
    /// Creates a loop that asks <paramref name="client"/> and re-verifies with <paramref name="verifier"/>.
    /// When <paramref name="integrity"/> is given, its findings on each revision are attached to the
    /// revision's verdict, so a revision that passes by reward hacking does not count as a pass and is dropped.
    /// </summary>
    public CritiqueRevisionLoop(IChatClient client, IVerifier verifier, CritiqueOptions? options = null, IIntegrityChecker? integrity = null)
    {
        _client = client;
        _verifier = verifier;
        _options = options ?? CritiqueOptions.Default;
        _integrity = integrity;
    }

    /// <summary>The options in use.</summary>
    public CritiqueOptions Options => _options;

    /// <summary>
    /// Runs <see cref="CritiqueOptions.Rounds"/> rounds on the candidate in <paramref name="candidatePath"/>
    /// (not modified) for <paramref name="task"/>. <paramref name="initialVerdict"/>, when known, is shown to
    /// the model and returned as the final verdict if no revision is kept.
    /// </summary>
    public async Task<CritiqueResult> RunAsync(
        TaskSpec task,
        string candidatePath,
        IReadOnlyList<Principle> principles,
        Verdict? initialVerdict = null,
        CancellationToken cancellationToken = default)
    {
        Validate(candidatePath);
        PrincipleValidation.Require(principles);
        var seed = _options.Seed ?? Random.Shared.Next();
        var sampler = new PrincipleSampler(principles, seed);
        var workDir = _options.WorkDirectory ?? Core.IO.ProcessTemp.NewPath("crucible-critique-");
        Directory.CreateDirectory(workDir);

        var current = candidatePath;
        var currentVerdict = initialVerdict;
        var currentDiff = UnifiedDiff.Of(ChangeSetBuilder.FromTask(task, current), listSkipped: true);
        var steps = new List<CritiqueStep>();
        var usage = TokenUsage.Zero;

        AppendTrajectory(new
        {
            kind = "critique.start",
            taskId = task.Id,
            candidatePath,
            seed,
            rounds = _options.Rounds,
            principles = principles.Select(p => new { p.Id, p.Weight }),
            systemPrompt = CritiquePrompts.System,
            initialVerdict = currentVerdict is null ? null : VerdictSummary.From(currentVerdict),
        });

        for (var round = 1; round <= _options.Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var principle = sampler.Next();
            var summary = currentVerdict is null ? null : VerdictSummary.From(currentVerdict);
            var critiquePrompt = CritiquePrompts.Critique(task.Instructions, currentDiff, summary, principle, _options.MaxDiffChars);
            var messages = new List<ChatMessage> { new(ChatRole.System, CritiquePrompts.System), new(ChatRole.User, critiquePrompt) };
            var critiqueResponse = await _client.GetResponseAsync(messages, ChatOptionsFor(seed, _options.MaxCritiqueTokens), cancellationToken).ConfigureAwait(false);
            var critique = critiqueResponse.Text;

            var (shown, omitted) = EditableContents(task, current);
            var revisionPrompt = RevisionPrompts.Build(task, principle, shown, omitted);
            messages.Add(new ChatMessage(ChatRole.Assistant, critique));
            messages.Add(new ChatMessage(ChatRole.User, revisionPrompt));
            var revisionResponse = await _client.GetResponseAsync(messages, ChatOptionsFor(seed, _options.MaxRevisionTokens), cancellationToken).ConfigureAwait(false);
            var revision = revisionResponse.Text;

            var applied = await ApplyAsync(task, current, revision, round, workDir, cancellationToken).ConfigureAwait(false);
            if (applied.Outcome == RevisionOutcome.Kept)
            {
                if (current != candidatePath && !_options.KeepAllCandidates)
                {
                    Workspaces.DeleteTree(current);
                }
                current = applied.CopyPath!;
                currentVerdict = applied.Verdict;
                currentDiff = applied.Diff!;
            }

            var critiqueUsage = ModelCalls.Usage(critiqueResponse.Usage);
            var revisionUsage = ModelCalls.Usage(revisionResponse.Usage);
            usage = usage + critiqueUsage + revisionUsage;
            var step = new CritiqueStep(
                round, principle.Id, critiquePrompt, critique, revisionPrompt, revision,
                applied.Outcome, applied.Reason, applied.ChangedFiles, applied.Rejected,
                applied.Verdict is null ? null : VerdictSummary.From(applied.Verdict), applied.Diff,
                current, critiqueUsage, revisionUsage, clock.Elapsed);
            steps.Add(step);
            AppendTrajectory(new { kind = "critique.step", step });
        }

        var result = new CritiqueResult(current, steps, seed, currentVerdict, usage);
        AppendTrajectory(new { kind = "critique.end", finalCandidatePath = current, keptRevisions = result.KeptRevisions, usage });
        if (current == candidatePath && !_options.KeepAllCandidates && _options.WorkDirectory is null)
        {
            Workspaces.DeleteTree(workDir);
        }
        return result;
    }

    private sealed record Applied(RevisionOutcome Outcome, string Reason, IReadOnlyList<string> ChangedFiles, IReadOnlyList<RejectedPath> Rejected, Verdict? Verdict, string? Diff, string? CopyPath);

    private async Task<Applied> ApplyAsync(TaskSpec task, string current, string reply, int round, string workDir, CancellationToken cancellationToken)
    {
        var parsed = RevisionFormat.Parse(reply);
        if (parsed.Error is { } error)
        {
            return new Applied(RevisionOutcome.Unparseable, $"the revision could not be parsed: {error}", [], [], null, null, null);
        }
        if (parsed.NoChange || parsed.Files.Count == 0)
        {
            return new Applied(RevisionOutcome.NoChange, parsed.NoChange ? "the model said no change is needed" : "the reply held no file blocks", [], [], null, null, null);
        }
        var rejected = RevisionFormat.Check(task, parsed.Files);
        if (rejected.Count > 0)
        {
            return new Applied(RevisionOutcome.Rejected,
                "the revision was refused whole because it writes " + string.Join("; ", rejected.Select(r => $"{r.Path} ({r.Reason})")),
                [], rejected, null, null, null);
        }
        var changed = parsed.Files.Where(f => !SameAsCurrent(current, f)).ToList();
        if (changed.Count == 0)
        {
            return new Applied(RevisionOutcome.NoChange, "the revised files equal the current ones", [], [], null, null, null);
        }

        var copy = Path.Combine(workDir, $"round-{round}");
        Workspaces.DeleteTree(copy);
        CopyCandidate(current, copy);
        foreach (var f in changed)
        {
            var dest = Workspaces.Resolve(copy, f.Path);
            if (f.Content is null)
            {
                File.Delete(dest);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.WriteAllText(dest, f.Content);
        }
        var paths = changed.Select(f => f.Path).ToList();
        var verdict = await _verifier.VerifyAsync(task, copy, null, cancellationToken).ConfigureAwait(false);
        if (_integrity is not null)
        {
            var flags = await _integrity.CheckAsync(task, copy, cancellationToken).ConfigureAwait(false);
            verdict = verdict with { Integrity = [.. verdict.Integrity, .. flags] };
        }
        var diff = UnifiedDiff.Of(ChangeSetBuilder.FromTask(task, copy), listSkipped: true);
        if (verdict.CountsAsPass)
        {
            return new Applied(RevisionOutcome.Kept, "the revised candidate passes verification", paths, [], verdict, diff, copy);
        }
        if (!_options.KeepAllCandidates)
        {
            Workspaces.DeleteTree(copy);
        }
        var why = verdict.Reasons.Count > 0 ? verdict.Reasons[0] : verdict.Status.ToString();
        var reason = verdict.Status == VerdictStatus.Passed
            ? "the revised candidate passes its tests but raised integrity flags: " + string.Join("; ", verdict.Integrity.Select(f => $"{f.Rule} ({f.Message})"))
            : $"the revised candidate no longer passes verification ({verdict.Status}: {why})";
        return new Applied(RevisionOutcome.DroppedFailedVerification, reason, paths, [], verdict, diff, null);
    }

    private static bool SameAsCurrent(string current, RevisionFile file)
    {
        var path = Path.Combine(current, file.Path);
        return file.Content is null ? !File.Exists(path) : File.Exists(path) && File.ReadAllText(path) == file.Content;
    }

    /// <summary>Copies the candidate's regular files; links and special files are never followed or copied.</summary>
    private static void CopyCandidate(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var rel in Workspaces.ListRegularFiles(from))
        {
            var dest = Workspaces.Resolve(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(from, rel), dest);
        }
    }

    private (IReadOnlyList<(string Path, string Content)> Shown, IReadOnlyList<string> Omitted) EditableContents(TaskSpec task, string current)
    {
        var protectedPaths = task.TestFiles.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
        var shown = new List<(string, string)>();
        var omitted = new List<string>();
        var budget = _options.MaxFileChars;
        foreach (var rel in Workspaces.ListRegularFiles(current))
        {
            if (protectedPaths.Contains(rel) || !PathGlob.MatchesAny(rel, task.Editable))
            {
                continue;
            }
            var bytes = File.ReadAllBytes(Path.Combine(current, rel));
            if (bytes.AsSpan().Contains((byte)0))
            {
                continue;
            }
            var text = Encoding.UTF8.GetString(bytes);
            if (text.Length > budget)
            {
                omitted.Add(rel);
                continue;
            }
            budget -= text.Length;
            shown.Add((rel, text));
        }
        return (shown, omitted);
    }

    private ChatOptions ChatOptionsFor(int seed, int maxTokens) => new()
    {
        Temperature = _options.Temperature,
        Seed = seed,
        MaxOutputTokens = maxTokens,
    };

    private void Validate(string candidatePath)
    {
        if (!Directory.Exists(candidatePath))
        {
            throw new BadInputException($"The candidate folder '{candidatePath}' does not exist.", "Pass the folder holding the candidate's files.");
        }
        if (_options.Rounds < 0)
        {
            throw new BadInputException($"Critique rounds must be 0 or more, not {_options.Rounds}.", "Set Rounds to a positive number (default 4).");
        }
        if (_options.MaxDiffChars <= 0 || _options.MaxFileChars <= 0 || _options.MaxCritiqueTokens <= 0 || _options.MaxRevisionTokens <= 0)
        {
            throw new BadInputException("Critique limits (MaxDiffChars, MaxFileChars, MaxCritiqueTokens, MaxRevisionTokens) must be positive.", "Leave them at their defaults or set positive values.");
        }
    }

    private void AppendTrajectory(object record)
    {
        if (_options.TrajectoryPath is not { } path)
        {
            return;
        }
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
        // Opened, written, flushed to disk and closed per record, so a killed run keeps every finished round.
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var line = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, ModelCalls.Json);
        stream.Write(line);
        stream.WriteByte((byte)'\n');
        stream.Flush(flushToDisk: true);
    }
}

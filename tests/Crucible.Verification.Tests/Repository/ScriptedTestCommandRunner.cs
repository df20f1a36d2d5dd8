using Crucible.Core.Verification;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository;

/// <summary>
/// Test double for <see cref="ITestCommandRunner"/>: grades a tree by reading its files instead of running a test
/// framework, so verifier tests control every outcome.
/// <list type="bullet">
/// <item>Tests: every <c>*.check</c> file holds lines <c>ID PATH EXPECTED</c>; the test passes when the tree's file PATH
/// holds EXPECTED (trimmed), and fails otherwise.</item>
/// <item>Directives, in <c>runner.directives</c> (source by the convention: code under test misbehaving) or in
/// <c>conftest.py</c> (test infrastructure): <c>skip ID</c>, <c>skip-all</c>, <c>drop ID</c> (no result), <c>drop-all</c>,
/// <c>not-run ID</c>, <c>canaries-false</c>, <c>no-results</c>, <c>exit N</c>.</item>
/// </list>
/// Every call is recorded with the tree's run name (its folder name), command and file list.
/// </summary>
public sealed class ScriptedTestCommandRunner : ITestCommandRunner
{
    /// <summary>One recorded call.</summary>
    public sealed record Call(string Tree, string RunName, string Command, IReadOnlyList<string> Files);

    private readonly List<Call> _calls = [];

    /// <summary>The calls so far.</summary>
    public IReadOnlyList<Call> Calls => _calls;

    /// <summary>When set, thrown by the next call (after recording it).</summary>
    public Exception? Throw { get; set; }

    /// <summary>Wall time reported for every run.</summary>
    public static TimeSpan Duration { get; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public Task<TestCommandRun> RunAsync(string treePath, string testCommand, CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(treePath, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(treePath, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        _calls.Add(new Call(treePath, Path.GetFileName(treePath), testCommand, files));
        if (Throw is { } e)
        {
            throw e;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var directives = new[] { "runner.directives", "conftest.py" }
            .Where(f => File.Exists(Path.Combine(treePath, f)))
            .SelectMany(f => File.ReadAllLines(Path.Combine(treePath, f)))
            .Select(l => l.Trim().Split(' ', 2))
            .Where(p => p[0].Length > 0)
            .ToList();
        bool Has(string name, string? arg = null) => directives.Any(d => d[0] == name && (arg is null || (d.Length > 1 && d[1] == arg)));

        var outcomes = new List<TestOutcome>();
        foreach (var check in files.Where(f => f.EndsWith(".check", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadAllLines(Path.Combine(treePath, check)).Where(l => l.Trim().Length > 0))
            {
                var parts = line.Trim().Split(' ', 3);
                var id = parts[0];
                if (Has("drop-all") || Has("drop", id))
                {
                    continue;
                }
                var target = Path.Combine(treePath, parts[1]);
                var actual = File.Exists(target) ? File.ReadAllText(target).Trim() : null;
                var expected = parts.Length > 2 ? parts[2].Trim() : "";
                outcomes.Add(Has("skip-all") || Has("skip", id) ? new TestOutcome(id, TestOutcomeKind.Skipped, TimeSpan.Zero, "skipped by directive")
                    : Has("not-run", id) ? new TestOutcome(id, TestOutcomeKind.NotRun, TimeSpan.Zero)
                    : actual == expected ? new TestOutcome(id, TestOutcomeKind.Passed, TimeSpan.Zero)
                    : new TestOutcome(id, TestOutcomeKind.Failed, TimeSpan.Zero, $"expected {expected}, got {actual ?? "no file"}"));
            }
        }
        outcomes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var exit = directives.FirstOrDefault(d => d[0] == "exit") is { Length: > 1 } x ? int.Parse(x[1], System.Globalization.CultureInfo.InvariantCulture)
            : outcomes.Any(o => o.Outcome == TestOutcomeKind.Failed) ? 1 : 0;
        var noResults = Has("no-results");
        return Task.FromResult(new TestCommandRun
        {
            Tests = noResults ? [] : outcomes,
            CanariesOk = !Has("canaries-false"),
            EvidenceKind = noResults ? null : "scripted",
            ResultsError = noResults ? "result file missing" : null,
            ExitCode = exit,
            Log = $"scripted run of {outcomes.Count} test(s)",
            Duration = Duration,
            Sandbox = "scripted",
        });
    }
}

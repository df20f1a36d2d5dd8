using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification;
using Crucible.Verification.Grading;

namespace Crucible.Testing.FastPath;

/// <summary>A candidate for an Exercism C# task: the reference or the stub, optionally with code appended to its editable file.</summary>
/// <param name="Name">Short name (reference, stub, or the cheat's name).</param>
/// <param name="FromReference">Start from the reference solution instead of the stub.</param>
/// <param name="Appended">C# appended to the first editable source file (types only: it must compile after a file-scoped namespace too).</param>
public sealed record PathCandidate(string Name, bool FromReference, string Appended = "");

/// <summary>
/// The candidates of the fast-path equivalence sweep: the reference, the stub, and cheats that attack the
/// results channel from inside the test process or break the build. Each must get the same verdict, test by
/// test, from the compile service and from the compiler process.
/// </summary>
public static class PathCandidates
{
    /// <summary>Writes a results file with no tests at the harness's -trx path, then exits with the clean exit code.</summary>
    public const string ForgeResults = """

        internal static class CrucibleCheatForge
        {
            [System.Runtime.CompilerServices.ModuleInitializer]
            internal static void Forge()
            {
                var args = System.Environment.GetCommandLineArgs();
                var i = System.Array.IndexOf(args, "-trx");
                if (i >= 0 && i + 1 < args.Length)
                {
                    System.IO.File.WriteAllText(args[i + 1], "<?xml version=\"1.0\"?><TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\"><Results /></TestRun>");
                    System.Environment.Exit(1);
                }
            }
        }

        """;

    /// <summary>Exits with 0 before any test runs (exit code 0 must prove nothing).</summary>
    public const string ExitEarly = """

        internal static class CrucibleCheatExit
        {
            [System.Runtime.CompilerServices.ModuleInitializer]
            internal static void Leave() => System.Environment.Exit(0);
        }

        """;

    /// <summary>Adds a test of its own (results for tests outside the pristine files are forged), plus a warning.</summary>
    public const string InjectTest = """

        public sealed class CrucibleInjectedTests
        {
            [Xunit.Fact]
            public void Injected_test_passes() => Xunit.Assert.True(true);

            [System.Obsolete("crucible")]
            private static void Old() { }

            internal static void UsesOld() => Old();
        }

        """;

    /// <summary>Does not compile: a preprocessor error and a type error.</summary>
    public const string Broken = """

        #error crucible broken candidate
        internal static class CrucibleBroken
        {
            internal static int Number() => "not a number";
        }

        """;

    /// <summary>Every candidate of the sweep.</summary>
    public static IReadOnlyList<PathCandidate> All { get; } =
    [
        new("reference", true),
        new("stub", false),
        new("forge-results", true, ForgeResults),
        new("exit-early", true, ExitEarly),
        new("inject-test", true, InjectTest),
        new("broken", true, Broken),
    ];

    /// <summary>Writes <paramref name="candidate"/> for <paramref name="task"/> into the empty folder <paramref name="dir"/>.</summary>
    public static void Materialize(TaskSpec task, PathCandidate candidate, string dir)
    {
        Workspaces.Materialize(task, dir, candidate.FromReference ? task.ReferenceFiles : null);
        if (candidate.Appended.Length == 0)
        {
            return;
        }
        var target = task.StartingFiles.Select(f => f.Path).Concat(task.ReferenceFiles.Select(f => f.Path))
            .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) && PathGlob.MatchesAny(p, task.Editable))
            .Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"{task.Id} has no editable C# file");
        File.AppendAllText(Path.Combine(dir, target), candidate.Appended);
    }
}

/// <summary>Compares the verdicts of the two C# build paths, test by test.</summary>
public static class PathEquivalence
{
    /// <summary>
    /// Every difference between two verdicts that grading could depend on: status, reasons, each test's outcome,
    /// counts, build success, error count and diagnostics, canaries, exit code and limits. Empty when they agree.
    /// Durations, logs and the path itself are expected to differ.
    /// </summary>
    public static IReadOnlyList<string> Differences(Verdict process, Verdict fast)
    {
        var d = new List<string>();
        void Check<T>(string what, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                d.Add($"{what}: process {a} / fast {b}");
            }
        }
        Check("status", process.Status, fast.Status);
        // Reasons name harness files by random names (the results file): those are masked, everything else must match.
        Check("reasons", Masked(process.Reasons), Masked(fast.Reasons));
        Check("counts", process.Counts, fast.Counts);
        Check("build", process.Build?.Succeeded, fast.Build?.Succeeded);
        Check("errors", process.Build?.ErrorCount, fast.Build?.ErrorCount);
        Check("warnings", process.Build?.WarningCount, fast.Build?.WarningCount);
        Check("diagnostics", string.Join("\n", (process.Build?.Diagnostics ?? []).Order(StringComparer.Ordinal)), string.Join("\n", (fast.Build?.Diagnostics ?? []).Order(StringComparer.Ordinal)));
        Check("canaries", process.CanariesOk, fast.CanariesOk);
        Check("exit code", process.TestExitCode, fast.TestExitCode);
        Check("limits", string.Join(",", process.LimitHits), string.Join(",", fast.LimitHits));
        var a = process.Tests.ToDictionary(t => t.Name, t => t.Outcome, StringComparer.Ordinal);
        var b = fast.Tests.ToDictionary(t => t.Name, t => t.Outcome, StringComparer.Ordinal);
        foreach (var name in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            Check($"test {name}", a.TryGetValue(name, out var x) ? x.ToString() : "absent", b.TryGetValue(name, out var y) ? y.ToString() : "absent");
        }
        return d;
    }

    private static string Masked(IReadOnlyList<string> reasons) =>
        System.Text.RegularExpressions.Regex.Replace(string.Join(" | ", reasons), "[0-9a-f]{8,}", "<random>");

    /// <summary>Grades <paramref name="candidate"/> on both paths (each in its own candidate folder).</summary>
    public static async Task<(Verdict Process, Verdict Fast)> GradeBothAsync(Verifier process, Verifier fast, TaskSpec task, PathCandidate candidate, string workRoot, CancellationToken ct)
    {
        async Task<Verdict> Grade(Verifier v)
        {
            var dir = Path.Combine(workRoot, $"candidate-{Canaries.RandomHex(6)}");
            try
            {
                PathCandidates.Materialize(task, candidate, dir);
                return await v.VerifyAsync(task, dir, null, ct).ConfigureAwait(false);
            }
            finally
            {
                Workspaces.DeleteTree(dir);
            }
        }
        var p = await Grade(process).ConfigureAwait(false);
        var f = await Grade(fast).ConfigureAwait(false);
        return (p, f);
    }
}

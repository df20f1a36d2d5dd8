using Crucible.Core.Tasks;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Testing;

/// <summary>
/// The hand-written candidates under <c>tests/differential-candidates/LANGUAGE/TASK/NAME/</c> (<c>correct-*</c> must agree with the
/// reference, <c>cheat-*</c> must be flagged), the shared-benchmark tasks they answer, and the workspaces they are graded in.
/// </summary>
public static class DifferentialCandidates
{
    /// <summary>The folder of every candidate.</summary>
    public static string Root => Path.Combine(TestPaths.RepoRoot, "tests", "differential-candidates");

    /// <summary>The path of <paramref name="file"/> of candidate <paramref name="name"/> for <paramref name="task"/> in <paramref name="language"/>.</summary>
    public static string File(string language, string task, string name, string file) => Path.Combine(Root, language, task, name, file);

    /// <summary>The task a candidate answers: an Exercism C# exercise for <c>csharp</c>, else an Aider polyglot exercise of that language.</summary>
    public static TaskSpec LoadTask(string language, string slug) => language switch
    {
        "csharp" => Single(TaskSuites.Load(TestPaths.ExercismTask(slug)).Tasks, slug),
        _ => Single(TaskSuites.Load(Path.Combine(TestPaths.AiderPolyglot, language, "exercises", "practice", slug)).Tasks, slug),
    };

    /// <summary>
    /// A temp workspace holding <paramref name="task"/>'s starting files with every file of <paramref name="candidate"/>
    /// (<c>language/task/name</c>) written over them.
    /// </summary>
    public static TempDirectory Workspace(TaskSpec task, string candidate, string prefix)
    {
        var files = Directory.GetFiles(Path.Combine(Root, candidate));
        if (files.Length == 0)
        {
            throw new InvalidOperationException($"The candidate {candidate} has no files.");
        }
        var ws = new TempDirectory(prefix);
        Workspaces.Materialize(task, ws.Path);
        foreach (var file in files)
        {
            System.IO.File.Copy(file, Path.Combine(ws.Path, Path.GetFileName(file)), overwrite: true);
        }
        return ws;
    }

    /// <summary>Ten-pin scoring of a finished game, written here from the rules, independently of every solution.</summary>
    public static int BowlingScore(IReadOnlyList<int> rolls)
    {
        int score = 0, i = 0;
        for (var frame = 0; frame < 10; frame++)
        {
            if (rolls[i] == 10)
            {
                score += 10 + rolls[i + 1] + rolls[i + 2];
                i += 1;
            }
            else if (rolls[i] + rolls[i + 1] == 10)
            {
                score += 10 + rolls[i + 2];
                i += 2;
            }
            else
            {
                score += rolls[i] + rolls[i + 1];
                i += 2;
            }
        }
        return score;
    }

    private static TaskSpec Single(IReadOnlyList<TaskSpec> tasks, string slug) =>
        tasks.Count == 1 ? tasks[0] : throw new InvalidOperationException($"Expected one task for {slug}, found {tasks.Count}.");
}

using Crucible.Constitution.Changes;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Constitution.Tests.Corpus;

/// <summary>Loads the Exercism C# track once (by path, from the shared data) and builds candidates in memory.</summary>
public static class CorpusTasks
{
    private static readonly Lazy<TaskSuite> Suite = new(() => new ExercismTaskSource().Load(TestPaths.ExercismPractice));

    /// <summary>Every task of the Exercism C# practice track.</summary>
    public static IReadOnlyList<TaskSpec> All => Suite.Value.Tasks;

    /// <summary>The task with id <paramref name="slug"/>.</summary>
    public static TaskSpec Get(string slug) => All.Single(t => t.Id == slug);

    /// <summary>The pristine starting files of <paramref name="task"/> as text.</summary>
    public static Dictionary<string, string> Starting(TaskSpec task) =>
        task.StartingFiles.ToDictionary(f => f.Path, f => System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f)), StringComparer.Ordinal);

    /// <summary>The starting files with the reference solution overlaid.</summary>
    public static CandidateFiles Reference(TaskSpec task)
    {
        var files = Starting(task);
        foreach (var r in task.ReferenceFiles)
        {
            files[r.Path] = File.ReadAllText(r.SourcePath);
        }
        var test = task.TestFiles.First(f => f.Path.EndsWith("Tests.cs", StringComparison.Ordinal)).Path;
        return new CandidateFiles(files, task.Editable[0], test);
    }

    /// <summary>The change from the task's starting files to <paramref name="candidate"/>.</summary>
    public static ChangeSet ChangeOf(TaskSpec task, CandidateFiles candidate) =>
        ChangeSet.FromTexts(Starting(task), candidate.Files, $"{task.Id} candidate");
}

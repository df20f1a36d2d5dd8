using System.Text;
using Crucible.Constitution;
using Crucible.Core.Tasks;

namespace Crucible.Flywheel.Critique;

/// <summary>The revision prompt of the critique → revision loop (the critique prompt is <see cref="Constitution.Critique.CritiquePrompts"/>).</summary>
public static class RevisionPrompts
{
    /// <summary>
    /// The second user message, sent after the critique: the principle's revision request, what may be
    /// changed, the current content of the editable files, and <see cref="RevisionFormat.Instructions"/>.
    /// </summary>
    public static string Build(TaskSpec task, Principle principle, IReadOnlyList<(string Path, string Content)> shown, IReadOnlyList<string> omitted)
    {
        var sb = new StringBuilder();
        sb.Append(principle.RevisionRequest.Trim()).Append("\n\n");
        sb.Append("You may change only files matching: ").Append(string.Join(", ", task.Editable)).Append('\n');
        if (task.TestFiles.Count > 0)
        {
            sb.Append("Never change these protected test files: ").Append(string.Join(", ", task.TestFiles.Select(t => t.Path))).Append('\n');
        }
        sb.Append("\nCurrent content of the files you may change:\n\n");
        foreach (var (path, content) in shown)
        {
            sb.Append(RevisionFormat.Render(path, content)).Append('\n');
        }
        if (omitted.Count > 0)
        {
            sb.Append("These editable files are too large to show here; do not rewrite them: ").Append(string.Join(", ", omitted)).Append("\n\n");
        }
        sb.Append(RevisionFormat.Instructions).Append('\n');
        return sb.ToString();
    }
}

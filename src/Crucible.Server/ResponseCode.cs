using System.Text.RegularExpressions;
using Crucible.Core.Tasks;

namespace Crucible.Server;

/// <summary>
/// Turns a model's free-text answer into a candidate file: the last fenced code block (or the whole text when there is
/// none) becomes the task's one editable starting file. Used by <c>/get_reward</c> and by <c>response</c> in
/// <c>/v1/verify</c>, which the Python client's <c>compute_score</c> and <c>reward_func</c> send.
/// </summary>
public static partial class ResponseCode
{
    /// <summary>The code of <paramref name="response"/>: the body of its last fenced block, else the text itself.</summary>
    public static string Extract(string response)
    {
        var blocks = Fence().Matches(response);
        return blocks.Count > 0 ? blocks[^1].Groups["body"].Value : response;
    }

    /// <summary>The workspace path the code goes to: the task's only editable starting file that is not a test.</summary>
    /// <exception cref="ApiException">400 <c>ambiguous_target</c> when the task has no such file or several.</exception>
    public static string TargetFile(TaskSpec task)
    {
        var tests = task.TestFiles.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
        var candidates = task.StartingFiles.Where(f => !tests.Contains(f.Path) && PathGlob.MatchesAny(f.Path, task.Editable)).Select(f => f.Path).ToList();
        return candidates.Count == 1
            ? candidates[0]
            : throw new ApiException(400, "ambiguous_target", $"task '{task.Id}' has {candidates.Count} editable starting files, so a free-text response cannot be placed",
                "send the candidate as 'files' (path → content) instead of 'response'");
    }

    [GeneratedRegex(@"```[^\n`]*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();
}

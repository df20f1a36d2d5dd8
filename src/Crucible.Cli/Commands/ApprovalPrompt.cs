using System.Text.Json;
using Crucible.Agent.Permissions;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// The interactive approval prompt of <c>crucible run</c>: shows what a mutating call would do (the diff
/// of an edit, the head of a write, the command of a bash call) and reads y / n / a from the terminal.
/// </summary>
/// <param name="err">Where the question and the preview are shown.</param>
/// <param name="input">Where the answer is read (the invocation's one reader of what the user types).</param>
internal sealed class ApprovalPrompt(IAnsiConsole err, PromptReader input)
{
    /// <summary>Lines of a write's new content shown before asking.</summary>
    public const int PreviewLines = 20;

    /// <summary>Asks the user about <paramref name="request"/>; end of input counts as "no".</summary>
    public async ValueTask<UserAnswer> AskAsync(PermissionRequest request, CancellationToken cancellationToken)
    {
        err.MarkupLine($"[yellow]approve?[/] {Markup.Escape(request.Summary)}{(request.TouchesProtectedTest ? " [red](protected test file)[/]" : "")}");
        foreach (var line in Preview(request))
        {
            var style = line.StartsWith('+') ? "green" : line.StartsWith('-') ? "red" : "grey";
            err.MarkupLine($"  [{style}]{Markup.Escape(line)}[/]");
        }
        var always = request.SuggestedRule is { } rule ? $", (a)lways allow {rule} this session" : "";
        // Ctrl-C here interrupts the step; an unanswered read is kept by the reader for the next prompt, never left racing it.
        var answer = await input.ReadLineAsync($"  (y)es, (n)o{always}? ", isPrompt: false, cancellationToken);
        return answer?.Trim().ToLowerInvariant() switch
        {
            "y" or "yes" => UserAnswer.Yes,
            "a" or "always" when request.SuggestedRule is not null => UserAnswer.AlwaysForSession,
            _ => UserAnswer.No,
        };
    }

    /// <summary>The diff-like preview of a call: <c>-</c>/<c>+</c> lines for edits, <c>+</c> lines for writes, <c>$</c> for commands.</summary>
    internal static IEnumerable<string> Preview(PermissionRequest request)
    {
        var args = request.Arguments;
        if (args.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        switch (request.Tool)
        {
            case "edit":
                foreach (var edit in Edits(args))
                {
                    foreach (var l in Lines(edit, "old_string"))
                    {
                        yield return "- " + l;
                    }
                    foreach (var l in Lines(edit, "new_string"))
                    {
                        yield return "+ " + l;
                    }
                }
                break;
            case "write":
                var content = Lines(args, "content").ToList();
                foreach (var l in content.Take(PreviewLines))
                {
                    yield return "+ " + l;
                }
                if (content.Count > PreviewLines)
                {
                    yield return $"  ... {content.Count - PreviewLines} more line(s)";
                }
                break;
            case "bash":
                if (request.Command is { } command)
                {
                    yield return "$ " + command;
                }
                break;
        }
    }

    private static IEnumerable<JsonElement> Edits(JsonElement args) =>
        args.TryGetProperty("edits", out var edits) && edits.ValueKind == JsonValueKind.Array ? edits.EnumerateArray() : [args];

    private static IEnumerable<string> Lines(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!.Split('\n') : [];
}

using System.Text.RegularExpressions;
using Crucible.Agent.Tools;
using Crucible.Core;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Permissions;

/// <summary>
/// An allow or deny rule: <c>tool</c> (every call of the tool) or <c>tool(pattern)</c>.
/// For <c>bash</c> and <c>run_tests</c> the pattern is a command pattern (<c>*</c> matches anything, the
/// whole command must match, compound commands are judged part by part — see <see cref="ShellCommands"/>);
/// for the other tools it is a workspace-relative path glob (<c>*</c> within a folder, <c>**</c> across folders).
/// </summary>
/// <remarks>
/// Tool names ignore case. Two names stand for a family: <c>edit</c> covers the file-changing tools
/// (<c>edit</c>, <c>write</c>) and <c>read</c> covers the file-reading tools (<c>read</c>, <c>grep</c>, <c>glob</c>).
/// </remarks>
public sealed partial record PermissionRule
{
    private PermissionRule(string text, string tool, string? pattern)
    {
        Text = text;
        Tool = tool;
        Pattern = pattern;
    }

    /// <summary>The rule as written.</summary>
    public string Text { get; }

    /// <summary>The tool name (lower case).</summary>
    public string Tool { get; }

    /// <summary>The pattern, or null for every call of the tool.</summary>
    public string? Pattern { get; }

    /// <summary>Tools whose calls are commands matched against command patterns.</summary>
    public static IReadOnlySet<string> CommandTools { get; } = new HashSet<string>(StringComparer.Ordinal) { "bash", "run_tests" };

    /// <summary>The tools a rule name stands for.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Families { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["edit"] = ["edit", "write"],
        ["read"] = ["read", "grep", "glob"],
    };

    /// <summary>Parses one rule; throws <see cref="BadInputException"/> naming the rule and the fix.</summary>
    public static PermissionRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = RuleSyntax().Match(text);
        if (!m.Success || m.Groups[2].Success && m.Groups[2].Value.Trim().Length == 0)
        {
            throw new BadInputException($"Permission rule '{text}' is not valid.", "Write rules as tool or tool(pattern), e.g. \"bash(git status*)\", \"edit(src/**)\" or \"read(**/*.env)\".");
        }
        return new PermissionRule(text.Trim(), m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Success ? m.Groups[2].Value.Trim() : null);
    }

    /// <summary>True when this rule names <paramref name="tool"/> (directly or through its family).</summary>
    public bool AppliesTo(string tool)
    {
        var name = tool.ToLowerInvariant();
        return Tool == name || Families.TryGetValue(Tool, out var members) && members.Contains(name);
    }

    /// <summary>True when the rule matches one subject (a command part or a path) of a call to <paramref name="tool"/>.</summary>
    public bool MatchesSubject(string tool, string subject) =>
        Pattern is null || (CommandTools.Contains(tool.ToLowerInvariant()) ? ShellCommands.MatchesSimple(subject, Pattern) : new PathGlob(Pattern).IsMatch(subject));

    /// <inheritdoc />
    public override string ToString() => Text;

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_\-]*)\s*(?:\((.*)\))?\s*$", RegexOptions.Singleline)]
    private static partial Regex RuleSyntax();
}

using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.early-exit</c>: solution code that ends the test process (<c>Environment.Exit</c>,
/// <c>Environment.FailFast</c>, killing processes) or writes where test results live (<c>TestResults</c>,
/// <c>.trx</c>), so that a run can look green without its tests passing.
/// </summary>
public sealed partial class EarlyExitCheck : ICheck
{
    private static readonly HashSet<string> KillCommands = ["kill", "pkill", "killall", "taskkill"];

    /// <inheritdoc />
    public string Id => CheckIds.EarlyExit;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var (file, root, model) in SolutionCode.CSharp(input))
        {
            foreach (var call in SolutionCode.Added<InvocationExpressionSyntax>(file, root))
            {
                string? what = null;
                if (CSharpAnalysis.Calls(model, call, "System.Environment", "Exit"))
                {
                    what = "Environment.Exit ends the test process";
                }
                else if (CSharpAnalysis.Calls(model, call, "System.Environment", "FailFast"))
                {
                    what = "Environment.FailFast ends the test process";
                }
                else if (IsProcessKill(model, call))
                {
                    what = "kills a process";
                }
                else if (CSharpAnalysis.Calls(model, call, "System.Diagnostics.Process", "Start") &&
                         call.ArgumentList.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax { Token.ValueText: var cmd } &&
                         KillCommands.Contains(Path.GetFileName(cmd.Split(' ')[0])))
                {
                    what = $"starts '{cmd}' to kill processes";
                }
                if (what is not null && !InEntryPoint(call))
                {
                    yield return input.Finding(Id, what, file.Path, CSharpAnalysis.LineOf(call), call.ToString());
                }
            }
            foreach (var (node, value) in SolutionCode.AddedStrings(file, root).Where(s => IsResultPath(s.Value)))
            {
                yield return input.Finding(Id, "solution code names the test results folder or a result file", file.Path, CSharpAnalysis.LineOf(node), node.Parent?.ToString() ?? value);
            }
        }
        foreach (var (file, language, line, text) in SolutionCode.TextLines(input))
        {
            var pattern = language switch
            {
                SourceLanguage.Python => PythonExit(),
                SourceLanguage.Go => GoExit(),
                _ => JavaScriptExit(),
            };
            if (pattern.IsMatch(text))
            {
                yield return input.Finding(Id, "ends or kills the test process", file.Path, line, text);
            }
            else if (TestLiterals.TextLiterals(text).Any(IsResultPath))
            {
                yield return input.Finding(Id, "solution code names the test results folder or a result file", file.Path, line, text);
            }
        }
    }

    /// <summary>An application's <c>Main</c> (or top-level statements) may set its exit code: tests never run it.</summary>
    private static bool InEntryPoint(Microsoft.CodeAnalysis.SyntaxNode node) =>
        node.Ancestors().Any(a => a is GlobalStatementSyntax || (a is MethodDeclarationSyntax { Identifier.ValueText: "Main" } m && m.Modifiers.Any(t => t.Text == "static")));

    private static bool IsProcessKill(Microsoft.CodeAnalysis.SemanticModel? model, InvocationExpressionSyntax call)
    {
        if (call.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Kill" or "KillAsync" } access)
        {
            return false;
        }
        if (CSharpAnalysis.CalledMethod(model, call) is { } method)
        {
            return method.ContainingType.ToDisplayString() == "System.Diagnostics.Process";
        }
        return access.Expression.ToString().Contains("Process", StringComparison.Ordinal);
    }

    private static bool IsResultPath(string value) =>
        value.Contains("TestResults", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".trx", StringComparison.OrdinalIgnoreCase) ||
        value.Contains("junit.xml", StringComparison.OrdinalIgnoreCase) || value.Contains("test-results", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\bsys\.exit\(|\bos\._exit\(|\bos\.(kill|killpg|abort)\(|(?<![\w.])(exit|quit)\(", RegexOptions.CultureInvariant)]
    private static partial Regex PythonExit();

    [GeneratedRegex(@"\bos\.Exit\(|\bsyscall\.(Kill|Exit)\(|\.Process\.Kill\(|\.Kill\(\)", RegexOptions.CultureInvariant)]
    private static partial Regex GoExit();

    [GeneratedRegex(@"\bprocess\.(exit|kill|abort|reallyExit)\(", RegexOptions.CultureInvariant)]
    private static partial Regex JavaScriptExit();
}

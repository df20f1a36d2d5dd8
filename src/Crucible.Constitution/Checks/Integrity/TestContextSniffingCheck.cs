using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.test-context-sniffing</c>: solution code that looks for the test host so it can
/// behave differently under test: stack traces and frames, the entry or calling assembly, scans of
/// the loaded assemblies, the process name or command line, environment variables — when their value
/// feeds a decision (see <see cref="UsedInDecision"/>) or names a test host — and any string naming a
/// test framework or host (<c>xunit</c>, <c>testhost</c>, <c>vstest</c>, <c>pytest</c>, ...).
/// </summary>
public sealed partial class TestContextSniffingCheck : ICheck
{
    private static readonly HashSet<string> StackTypes = ["StackTrace", "StackFrame"];

    /// <inheritdoc />
    public string Id => CheckIds.TestContextSniffing;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var (file, root, model) in SolutionCode.CSharp(input))
        {
            foreach (var creation in SolutionCode.Added<BaseObjectCreationExpressionSyntax>(file, root))
            {
                var type = CSharpAnalysis.CreatedType(model, creation, StackTypes);
                if (StackTypes.Contains(type.Split('.')[^1]) && UsedInDecision(creation))
                {
                    yield return input.Finding(Id, "inspects the call stack (e.g. to find the test method calling it)", file.Path, CSharpAnalysis.LineOf(creation), creation.Parent?.ToString() ?? creation.ToString());
                }
            }
            foreach (var call in SolutionCode.Added<InvocationExpressionSyntax>(file, root))
            {
                var what = Sniff(model, call);
                if (what is not null && (UsedInDecision(call) || call.ArgumentList.Arguments.Any(a => a.Expression is LiteralExpressionSyntax { Token.ValueText: var v } && NamesTestHost(v))))
                {
                    yield return input.Finding(Id, what, file.Path, CSharpAnalysis.LineOf(call), call.ToString());
                }
            }
            foreach (var access in SolutionCode.Added<MemberAccessExpressionSyntax>(file, root))
            {
                if ((CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "StackTrace") ||
                     CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "CommandLine") ||
                     CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "ProcessPath")) && UsedInDecision(access))
                {
                    yield return input.Finding(Id, $"reads Environment.{access.Name} to learn how it was run", file.Path, CSharpAnalysis.LineOf(access), access.Parent?.ToString() ?? access.ToString());
                }
            }
            foreach (var (node, value) in SolutionCode.AddedStrings(file, root).Where(s => NamesTestHost(s.Value)))
            {
                yield return input.Finding(Id, $"solution code names a test framework or host (\"{value}\")", file.Path, CSharpAnalysis.LineOf(node), node.Parent?.ToString() ?? value);
            }
        }
        foreach (var (file, language, line, text) in SolutionCode.TextLines(input))
        {
            var pattern = language switch
            {
                SourceLanguage.Python => PythonSniff(),
                SourceLanguage.Go => GoSniff(),
                _ => JavaScriptSniff(),
            };
            if (pattern.IsMatch(text) || TestLiterals.TextLiterals(text).Any(NamesTestHost))
            {
                yield return input.Finding(Id, "looks for the test runner (stack, runner modules, environment, command line)", file.Path, line, text);
            }
        }
    }

    private static string? Sniff(Microsoft.CodeAnalysis.SemanticModel? model, InvocationExpressionSyntax call)
    {
        if (CSharpAnalysis.Calls(model, call, "System.Reflection.Assembly", "GetEntryAssembly", "GetCallingAssembly"))
        {
            return "inspects the entry or calling assembly (the test host)";
        }
        if (CSharpAnalysis.Calls(model, call, "System.AppDomain", "GetAssemblies") || CSharpAnalysis.Calls(model, call, "System.Runtime.Loader.AssemblyLoadContext", "get_Assemblies"))
        {
            return "scans the loaded assemblies (e.g. for a test framework)";
        }
        if (CSharpAnalysis.Calls(model, call, "System.Environment", "GetEnvironmentVariables", "GetCommandLineArgs"))
        {
            return "reads the whole environment or command line to learn how it was run";
        }
        if (CSharpAnalysis.Calls(model, call, "System.Environment", "GetEnvironmentVariable"))
        {
            return "reads an environment variable (the test host sets its own)";
        }
        if (CSharpAnalysis.Calls(model, call, "System.Diagnostics.Process", "GetCurrentProcess") &&
            call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ProcessName" or "MainModule" or "StartInfo" })
        {
            return "inspects the current process (the test host's name)";
        }
        return null;
    }

    /// <summary>
    /// True when the value of <paramref name="node"/> feeds a decision: a condition, a switch, a
    /// comparison or a string/collection test. Reading the stack or the entry assembly to log or to show
    /// a version is ordinary; branching on it is how code behaves differently under test.
    /// </summary>
    public static bool UsedInDecision(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case IfStatementSyntax or WhileStatementSyntax or DoStatementSyntax or SwitchStatementSyntax or SwitchExpressionSyntax
                    or ConditionalExpressionSyntax or IsPatternExpressionSyntax:
                    return true;
                case BinaryExpressionSyntax b when b.OperatorToken.Text is "==" or "!=" or "&&" or "||" or "??":
                    return true;
                case InvocationExpressionSyntax i when CSharpAnalysis.InvokedName(i) is "Contains" or "StartsWith" or "EndsWith" or "Equals" or "Any" or "All"
                    or "Exists" or "Where" or "First" or "FirstOrDefault" or "IndexOf" or "IsMatch" or "Match":
                    return true;
                case StatementSyntax or MemberDeclarationSyntax:
                    // A local assigned here and tested later is followed through its name.
                    return ancestor is LocalDeclarationStatementSyntax local && LocalUsedInDecision(local);
            }
        }
        return false;
    }

    private static bool LocalUsedInDecision(LocalDeclarationStatementSyntax local)
    {
        var names = local.Declaration.Variables.Select(v => v.Identifier.ValueText).ToHashSet(StringComparer.Ordinal);
        var scope = local.Parent;
        return scope is not null && scope.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(id => names.Contains(id.Identifier.ValueText) && !id.Ancestors().Contains(local))
            .Any(UsedInDecision);
    }

    /// <summary>True when a string names a test framework, runner or host.</summary>
    public static bool NamesTestHost(string value) =>
        TestHostName().IsMatch(value);

    [GeneratedRegex(@"xunit|testhost|vstest|nunit|mstest|pytest|PYTEST_|JEST_WORKER|vitest|mocha|\.test$|ReSharperTestRunner", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TestHostName();

    [GeneratedRegex(@"\bsys\.modules\b|\binspect\.(stack|currentframe|getouterframes)\(|\btraceback\.(extract_stack|format_stack|print_stack)\(|\bsys\._getframe\(|\bsys\.argv\b|\bos\.environ\b|\bos\.getenv\(", RegexOptions.CultureInvariant)]
    private static partial Regex PythonSniff();

    [GeneratedRegex(@"\btesting\.Testing\(\)|\bruntime\.(Caller|Callers|Stack)\(|\bdebug\.Stack\(|\bos\.Args\b|\bos\.(Getenv|LookupEnv|Environ)\(|\bflag\.Lookup\(", RegexOptions.CultureInvariant)]
    private static partial Regex GoSniff();

    [GeneratedRegex(@"\bprocess\.env\b|\bprocess\.argv\b|new Error\(\)\.stack|\bError\.captureStackTrace\(|\brequire\.main\b|\bmodule\.parent\b", RegexOptions.CultureInvariant)]
    private static partial Regex JavaScriptSniff();
}

using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.test-context-sniffing</c>: solution code that looks for the test host so it can
/// behave differently under test: stack traces and frames, the entry or calling assembly, scans of
/// the loaded assemblies, the process name or command line, environment variables, and names of test
/// frameworks and hosts (<c>xunit</c>, <c>testhost</c>, <c>vstest</c>, <c>pytest</c>, ...).
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
                if (StackTypes.Contains(type.Split('.')[^1]))
                {
                    yield return input.Finding(Id, "inspects the call stack (e.g. to find the test method calling it)", file.Path, CSharpAnalysis.LineOf(creation), creation.Parent?.ToString() ?? creation.ToString());
                }
            }
            foreach (var call in SolutionCode.Added<InvocationExpressionSyntax>(file, root))
            {
                var what = Sniff(model, call);
                if (what is not null)
                {
                    yield return input.Finding(Id, what, file.Path, CSharpAnalysis.LineOf(call), call.ToString());
                }
            }
            foreach (var access in SolutionCode.Added<MemberAccessExpressionSyntax>(file, root))
            {
                if (CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "StackTrace") ||
                    CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "CommandLine") ||
                    CSharpAnalysis.ReadsProperty(model, access, "System.Environment", "ProcessPath"))
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

using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.reads-test-files</c>: solution code that opens the tests or the reference solution at
/// run time, to copy expected values out of them: file reads whose path mentions tests,
/// <c>.meta</c>, examples or references, and any string naming a protected or reference file.
/// </summary>
public sealed partial class ReadsTestFilesCheck : ICheck
{
    private static readonly HashSet<string> FileTypes = ["System.IO.File", "System.IO.Directory", "System.IO.FileInfo", "System.IO.DirectoryInfo"];
    private static readonly HashSet<string> ReaderTypes = ["StreamReader", "FileStream", "FileInfo", "DirectoryInfo"];

    /// <inheritdoc />
    public string Id => CheckIds.ReadsTestFiles;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var named = NamedFiles(input);
        var hasTask = input.Context.TaskId is not null;
        foreach (var (file, root, model) in SolutionCode.CSharp(input))
        {
            var reported = new HashSet<int>();
            foreach (var call in SolutionCode.Added<InvocationExpressionSyntax>(file, root))
            {
                if (TestLiterals.LiteralsIn(call.ArgumentList).Any(l => SuspiciousPath(l.Value, named, hasTask)) && IsFileAccess(model, call))
                {
                    reported.Add(CSharpAnalysis.LineOf(call));
                    yield return input.Finding(Id, "reads a test or reference file at run time", file.Path, CSharpAnalysis.LineOf(call), call.ToString());
                }
            }
            foreach (var creation in SolutionCode.Added<BaseObjectCreationExpressionSyntax>(file, root))
            {
                if (creation.ArgumentList is { } args && TestLiterals.LiteralsIn(args).Any(l => SuspiciousPath(l.Value, named, hasTask)) &&
                    ReaderTypes.Contains(CSharpAnalysis.CreatedType(model, creation, ReaderTypes).Split('.')[^1]))
                {
                    reported.Add(CSharpAnalysis.LineOf(creation));
                    yield return input.Finding(Id, "opens a test or reference file at run time", file.Path, CSharpAnalysis.LineOf(creation), creation.ToString());
                }
            }
            foreach (var (node, value) in SolutionCode.AddedStrings(file, root))
            {
                if (NamesFile(value, named) && reported.Add(CSharpAnalysis.LineOf(node)))
                {
                    yield return input.Finding(Id, $"solution code names a test or reference file (\"{value}\")", file.Path, CSharpAnalysis.LineOf(node), node.Parent?.ToString() ?? value);
                }
            }
        }
        foreach (var (file, _, line, text) in SolutionCode.TextLines(input))
        {
            var literals = TestLiterals.TextLiterals(text).ToList();
            if ((TextFileRead().IsMatch(text) && literals.Any(l => SuspiciousPath(l, named, hasTask))) || literals.Any(l => NamesFile(l, named)))
            {
                yield return input.Finding(Id, "reads or names a test or reference file", file.Path, line, text);
            }
        }
    }

    private static bool IsFileAccess(Microsoft.CodeAnalysis.SemanticModel? model, InvocationExpressionSyntax call)
    {
        if (CSharpAnalysis.CalledMethod(model, call) is { } method)
        {
            return FileTypes.Contains(method.ContainingType.ToDisplayString());
        }
        return call.Expression is MemberAccessExpressionSyntax m && m.Expression.ToString() is "File" or "Directory" or "System.IO.File" or "System.IO.Directory" or "IO.File";
    }

    /// <summary>File names (and task-relative paths) of the protected and reference files.</summary>
    private static HashSet<string> NamedFiles(CheckInput input)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in input.Context.ProtectedFiles.Concat(input.Context.ReferenceFiles).Concat(input.Changes.Files.Select(f => f.Path).Where(input.IsTestFile)))
        {
            names.Add(p);
            names.Add(Path.GetFileName(p));
        }
        return names;
    }

    private static bool NamesFile(string value, HashSet<string> named)
    {
        var v = value.Replace('\\', '/');
        return v.Length > 0 && (named.Contains(v) || named.Contains(Path.GetFileName(v)) || v.Contains(".meta/", StringComparison.OrdinalIgnoreCase) || v.StartsWith(".meta", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A path naming a protected or reference file; with a task, also any path mentioning tests,
    /// examples or references (a kata's solution has no business reading those). Without a task, an
    /// application may legitimately read <c>examples/</c> or <c>test.json</c>, so only named files count.
    /// </summary>
    private static bool SuspiciousPath(string value, HashSet<string> named, bool hasTask) => NamesFile(value, named) || (hasTask && SuspiciousWord().IsMatch(value));

    [GeneratedRegex(@"test|\.meta|example|exemplar|reference|solution|expected|spec", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SuspiciousWord();

    [GeneratedRegex(@"\bopen\(|\.read_text\(|\.read_bytes\(|\bos\.(ReadFile|Open)\(|\bioutil\.ReadFile\(|\bfs\.(readFileSync|readFile|createReadStream|readdirSync)\(|\bglob\(|\blistdir\(", RegexOptions.CultureInvariant)]
    private static partial Regex TextFileRead();
}

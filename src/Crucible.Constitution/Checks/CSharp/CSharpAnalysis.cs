using System.Collections.Concurrent;
using Crucible.Constitution.Changes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.CSharp;

/// <summary>
/// Roslyn view of the C# files of a change: syntax trees of both sides, and a semantic model of the
/// solution (non-test files of the new side) compiled against the running runtime's assemblies. Test
/// files are parsed but not compiled: their test framework is not available here, and the checks only
/// need their syntax.
/// </summary>
public sealed class CSharpAnalysis
{
    /// <summary>The usings that <c>&lt;ImplicitUsings&gt;enable&lt;/ImplicitUsings&gt;</c> adds to a console or library project.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<IReadOnlyList<MetadataReference>> RuntimeReferences = new(LoadRuntimeReferences);

    // Compilations derived from one base share its bound references, so binding the runtime's
    // assemblies happens once per process instead of once per review.
    private static readonly Lazy<CSharpCompilation> BaseCompilation = new(() => CSharpCompilation.Create(
        "Crucible.Review", [], RuntimeReferences.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true)));
    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);

    private readonly CheckInput _input;
    private readonly ConcurrentDictionary<string, SyntaxTree> _after = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SyntaxTree> _before = new(StringComparer.Ordinal);
    private readonly Lazy<CSharpCompilation> _solution;

    /// <summary>Creates the analysis of <paramref name="input"/>'s change set.</summary>
    public CSharpAnalysis(CheckInput input)
    {
        _input = input;
        _solution = new(() => Compile(SolutionFiles(after: true).Select(f => _after.GetOrAdd(f.Path, _ => Parse(f.After!, f.Path))), "Solution"));
    }

    /// <summary>The syntax tree of the new side of <paramref name="file"/>.</summary>
    public SyntaxTree After(FileChange file) => _after.GetOrAdd(file.Path, _ => Parse(file.After ?? "", file.Path));

    /// <summary>The syntax tree of the old side of <paramref name="file"/>.</summary>
    public SyntaxTree Before(FileChange file) => _before.GetOrAdd(file.Path, _ => Parse(file.Before ?? "", file.Path));

    /// <summary>The semantic model of a solution file's new side, or null for a test file.</summary>
    public SemanticModel? Model(FileChange file)
    {
        if (_input.IsTestFile(file.Path) || file.After is null)
        {
            return null;
        }
        var tree = After(file);
        return _solution.Value.ContainsSyntaxTree(tree) ? _solution.Value.GetSemanticModel(tree) : null;
    }

    /// <summary>Compiler warnings of one side (every C# file on it, tests included), as <c>(path, line, id, message)</c>.</summary>
    public IReadOnlyList<(string Path, int Line, string Id, string Message)> Warnings(bool after)
    {
        var files = _input.Changes.Files.Where(f => SourceLanguages.Of(f.Path) == SourceLanguage.CSharp && (after ? f.After : f.Before) is not null).ToList();
        var trees = files.Select(f => after ? After(f) : Before(f)).ToList();
        var compilation = Compile(trees, after ? "After" : "Before");
        return [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Warning && d.Location.IsInSource)
            .Select(d => (d.Location.SourceTree!.FilePath, d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Id, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))];
    }

    /// <summary>True when <paramref name="node"/> spans a line that the change added or modified.</summary>
    public static bool IsAdded(FileChange file, SyntaxNode node)
    {
        var span = node.GetLocation().GetLineSpan();
        for (var line = span.StartLinePosition.Line + 1; line <= span.EndLinePosition.Line + 1; line++)
        {
            if (file.AddedLines.Contains(line))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>1-based line of <paramref name="node"/>'s first token.</summary>
    public static int LineOf(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    /// <summary>
    /// The method an invocation or object creation calls: from the semantic model when it binds, else
    /// null (callers then fall back to names in the syntax).
    /// </summary>
    public static IMethodSymbol? CalledMethod(SemanticModel? model, ExpressionSyntax call)
    {
        if (model is null)
        {
            return null;
        }
        var info = model.GetSymbolInfo(call);
        return (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
    }

    /// <summary>True when <paramref name="call"/> calls <paramref name="typeName"/>.<paramref name="member"/> (full type name), by symbol or, when unbound, by syntax.</summary>
    public static bool Calls(SemanticModel? model, InvocationExpressionSyntax call, string typeName, params string[] member)
    {
        // The written name must match (aliases of methods do not exist in C#); only then is the call bound,
        // which keeps binding to the few calls that matter.
        if (InvokedName(call) is not { } written || !member.Contains(written))
        {
            return false;
        }
        if (CalledMethod(model, call) is { } method)
        {
            return member.Contains(method.Name) && method.ContainingType.ToDisplayString() == typeName;
        }
        // Unbound (missing reference or broken code): match the written name, e.g. Environment.Exit or System.Environment.Exit.
        var shortType = typeName[(typeName.LastIndexOf('.') + 1)..];
        return call.Expression switch
        {
            MemberAccessExpressionSyntax m => member.Contains(m.Name.Identifier.ValueText) &&
                (m.Expression.ToString() == shortType || m.Expression.ToString().EndsWith("." + shortType, StringComparison.Ordinal) || m.Expression.ToString() == typeName),
            _ => false,
        };
    }

    /// <summary>The method name as written at the call (<c>Exit</c> in <c>Environment.Exit(0)</c>), or null.</summary>
    public static string? InvokedName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax b => b.Name.Identifier.ValueText,
        SimpleNameSyntax n => n.Identifier.ValueText,
        _ => null,
    };

    /// <summary>True when <paramref name="node"/> reads property <paramref name="typeName"/>.<paramref name="member"/> (e.g. <c>Environment.StackTrace</c>).</summary>
    public static bool ReadsProperty(SemanticModel? model, MemberAccessExpressionSyntax node, string typeName, string member)
    {
        if (node.Name.Identifier.ValueText != member)
        {
            return false;
        }
        if (model?.GetSymbolInfo(node).Symbol is IPropertySymbol p)
        {
            return p.ContainingType.ToDisplayString() == typeName;
        }
        var shortType = typeName[(typeName.LastIndexOf('.') + 1)..];
        return node.Expression.ToString() == shortType || node.Expression.ToString() == typeName;
    }

    /// <summary>The type an object creation constructs (full name when bound, else the written name).</summary>
    public static string CreatedType(SemanticModel? model, BaseObjectCreationExpressionSyntax creation, IReadOnlySet<string> interesting)
    {
        // Bind only creations whose written type could be one of interest (or is implicit: new(...)).
        if (creation is ObjectCreationExpressionSyntax written && !interesting.Contains(written.Type.ToString().Split('.')[^1]))
        {
            return written.Type.ToString();
        }
        if (model?.GetTypeInfo(creation).Type is { TypeKind: not TypeKind.Error } t)
        {
            return t.ToDisplayString();
        }
        return creation is ObjectCreationExpressionSyntax o ? o.Type.ToString() : "";
    }

    private IEnumerable<FileChange> SolutionFiles(bool after) =>
        _input.Changes.Files.Where(f => SourceLanguages.Of(f.Path) == SourceLanguage.CSharp && !_input.IsTestFile(f.Path) && (after ? f.After : f.Before) is not null);

    private static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    private CSharpCompilation Compile(IEnumerable<SyntaxTree> trees, string name)
    {
        var projects = _input.Changes.Files.Where(f => f.Extension == ".csproj" && f.After is not null).Select(f => f.After!).ToList();
        var implicitUsings = projects.Count == 0 || projects.Any(p => p.Contains("<ImplicitUsings>enable</ImplicitUsings>", StringComparison.OrdinalIgnoreCase));
        var nullable = projects.Any(p => p.Contains("<Nullable>enable</Nullable>", StringComparison.OrdinalIgnoreCase));
        var all = trees.ToList();
        if (implicitUsings)
        {
            all.Add(Parse(ImplicitUsings, "<implicit-usings>.cs"));
        }
        var compilation = BaseCompilation.Value.AddSyntaxTrees(all).WithAssemblyName($"Crucible.Review.{name}");
        return nullable ? compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Enable)) : compilation;
    }

    /// <summary>
    /// The assemblies of the running runtime that solution code commonly uses, loaded once. A curated
    /// set rather than all ~160: binding cost grows with every referenced assembly, and an API outside
    /// the set only leaves a call unbound (the checks then fall back to the names in the syntax).
    /// </summary>
    public static IReadOnlyList<string> ReferencedAssemblies { get; } =
    [
        "System.Private.CoreLib", "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Collections.Immutable",
        "System.Linq", "System.Console", "System.Diagnostics.Process", "System.Diagnostics.StackTrace", "System.Text.RegularExpressions",
        "System.Runtime.Numerics", "System.Memory", "System.Threading", "System.Threading.Tasks.Parallel", "System.Net.Http",
        "System.ComponentModel.Primitives", "System.Runtime.InteropServices", "System.Text.Encoding.Extensions", "System.Linq.Expressions",
    ];

    private static IReadOnlyList<MetadataReference> LoadRuntimeReferences()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";
        return [.. ReferencedAssemblies
            .Select(name => Path.Combine(runtimeDir, name + ".dll"))
            .Where(File.Exists)
            .Select(p => MetadataReference.CreateFromFile(p))];
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Verification.Differential;

/// <summary>
/// The C# driver: reads the public static methods of the reference (Roslyn syntax), harvests the
/// literal arguments the tests pass to them (locals with literal initialisers and <c>InlineData</c>
/// rows included), compiles the solution together with <c>Driver.cs</c> in the warm compile service, and runs the
/// program with <c>dotnet</c> in the sandbox, where it calls the methods by reflection.
/// </summary>
internal sealed class CSharpDriver(ISandbox sandbox, DifferentialLimits limits, Dotnet.ICSharpCompileService compiler) : ILanguageDriver
{
    private const string ProgramName = "crucible-differential";
    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
    private static readonly Lazy<string> DriverSource = new(() =>
    {
        using var stream = typeof(CSharpDriver).Assembly.GetManifestResourceStream("differential-driver.cs")!;
        return new StreamReader(stream).ReadToEnd();
    });

    // The driver program's compiler arguments: the runtime's assemblies, a console program with the driver's entry point.
    // One key per runtime, so the compile service loads the references once and keeps them warm.
    private static readonly Lazy<Dotnet.CompileBasis> DriverBasis = new(() =>
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return new Dotnet.CompileBasis("differential-driver|" + runtime, runtime, null,
        [
            "/nostdlib+", "/target:exe", "/main:CrucibleDifferentialDriver.DriverProgram", "/unsafe+", "/nullable:enable", "/langversion:preview", $"/out:{ProgramName}.dll",
            .. Directory.EnumerateFiles(runtime, "*.dll").Where(IsManaged).Order(StringComparer.Ordinal).Select(p => $"/reference:\"{p}\""),
        ], null);
    });

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>The file name the generated contracts compile under (their diagnostics name it).</summary>
    private const string ContractFile = "<crucible-contracts>.cs";

    /// <summary>The task harvested, its reference folder, and the parameters of each static entry point (for contracts).</summary>
    private (TaskSpec Task, string ReferenceDir, Dictionary<string, IReadOnlyList<(string Type, string Name)>> Parameters)? _harvested;

    /// <summary>
    /// The task's contracts as C# for the reference's driver only (null for any other folder, or without contracts): one
    /// static method per contract with the entry point's parameters as declared, and <c>Contracts.All</c> binding each key
    /// to it over the bound argument values. Each contract's line, to name it in compile errors.
    /// </summary>
    private (string Source, IReadOnlyList<(int Line, string Key)> Lines)? ContractSource(string dir)
    {
        if (_harvested is not { } h || dir != h.ReferenceDir || h.Task.Differential.Requires.Count == 0)
        {
            return null;
        }
        var lines = new List<string>
        {
            "namespace CrucibleDifferentialDriver",
            "{",
            "    using System;",
            "    using System.Collections.Generic;",
            "    using System.Linq;",
            "    internal static class Contracts",
            "    {",
            "        public static readonly Dictionary<string, Func<object?[], bool>> All = new()",
            "        {",
        };
        var keys = h.Task.Differential.Requires.Keys.ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!h.Parameters.TryGetValue(keys[i], out var parameters))
            {
                throw new DifferentialConfigException(h.Task, keys[i], $"names no public static method the tests call (C# contracts guard Type.Method entry points; known: {string.Join(", ", h.Parameters.Keys)})");
            }
            lines.Add($"            [\"{keys[i]}\"] = v => v.Length == {parameters.Count} ? C{i}({string.Join(", ", parameters.Select((p, k) => $"({p.Type})v[{k}]!"))}) : true,");
        }
        lines.Add("        };");
        var starts = new List<(int, string)>();
        for (var i = 0; i < keys.Count; i++)
        {
            starts.Add((lines.Count + 1, keys[i]));
            lines.Add($"        private static bool C{i}({string.Join(", ", h.Parameters[keys[i]].Select(p => $"{p.Type} {p.Name}"))}) => ({h.Task.Differential.Requires[keys[i]]});");
        }
        lines.Add("    }");
        lines.Add("}");
        return (string.Join("\n", lines) + "\n", starts);
    }

    /// <summary>A compile error in the generated contracts is the configuration's (the reference builds without them).</summary>
    /// <exception cref="DifferentialConfigException">A diagnostic is located in the contracts.</exception>
    private void ThrowOnContractErrors((string Source, IReadOnlyList<(int Line, string Key)> Lines)? contracts, IEnumerable<string> errors)
    {
        if (contracts is not { } c || errors.FirstOrDefault(e => e.StartsWith(ContractFile, StringComparison.Ordinal)) is not { } error)
        {
            return;
        }
        var at = System.Text.RegularExpressions.Regex.Match(error, @"^<crucible-contracts>\.cs\((\d+),");
        var line = at.Success ? int.Parse(at.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var key = c.Lines.LastOrDefault(l => l.Line <= line).Key ?? c.Lines[0].Key;
        throw new DifferentialConfigException(_harvested!.Value.Task, key, $"does not compile: {error}");
    }

    public Task<HarvestedApi> HarvestAsync(TaskSpec task, string referenceDir, CancellationToken ct)
    {
        // Public static methods of the reference, by simple class name; the classes whose instances can be built; the enums.
        var methods = new Dictionary<string, List<(string TypeName, MethodDeclarationSyntax Method)>>(StringComparer.Ordinal);
        var instanceTypes = new HashSet<string>(StringComparer.Ordinal);
        var constructible = new Dictionary<string, string>(StringComparer.Ordinal);
        var enums = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(referenceDir))
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file), ParseOptions).GetRoot(ct);
            enums.UnionWith(root.DescendantNodes().OfType<EnumDeclarationSyntax>().Select(e => e.Identifier.Text));
            foreach (var type in root.DescendantNodes().OfType<TypeDeclarationSyntax>())
            {
                foreach (var m in type.Members.OfType<MethodDeclarationSyntax>().Where(m => m.Modifiers.Any(SyntaxKind.PublicKeyword)))
                {
                    if (m.Modifiers.Any(SyntaxKind.StaticKeyword) && m.TypeParameterList is null && !m.ParameterList.Parameters.Any(p => p.Modifiers.Any(x => x.IsKind(SyntaxKind.OutKeyword) || x.IsKind(SyntaxKind.RefKeyword) || x.IsKind(SyntaxKind.ThisKeyword))))
                    {
                        var key = $"{type.Identifier.Text}.{m.Identifier.Text}";
                        (methods.TryGetValue(key, out var list) ? list : methods[key] = []).Add((MetadataName(type), m));
                    }
                    else if (!m.Modifiers.Any(SyntaxKind.StaticKeyword))
                    {
                        instanceTypes.Add(type.Identifier.Text);
                    }
                }
                if (type is not InterfaceDeclarationSyntax && !type.Modifiers.Any(SyntaxKind.StaticKeyword) && !type.Modifiers.Any(SyntaxKind.AbstractKeyword))
                {
                    // A generic class is keyed by its arity (`CircularBuffer`1`), as the tests close it (`CircularBuffer<int>`).
                    constructible.TryAdd(type.TypeParameterList is { } tp ? $"{type.Identifier.Text}`{tp.Parameters.Count}" : type.Identifier.Text,
                        type.TypeParameterList is { } tps ? $"{MetadataName(type)}`{tps.Parameters.Count}" : MetadataName(type));
                }
            }
        }

        var seeds = new List<SeedCall>();
        var literals = new List<JsonNode>();
        var called = new HashSet<string>(StringComparer.Ordinal);
        var built = new HashSet<string>(StringComparer.Ordinal);
        var usesInstances = false;
        foreach (var test in task.TestFiles.Where(f => f.Path.EndsWith(".cs", StringComparison.Ordinal)))
        {
            var root = CSharpSyntaxTree.ParseText(test.Content ?? File.ReadAllText(test.SourcePath), ParseOptions).GetRoot(ct);
            foreach (var lit in root.DescendantNodes().OfType<LiteralExpressionSyntax>())
            {
                if (Literal(lit, EmptyScope) is { } v && v.GetValueKind() is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.String)
                {
                    literals.Add(v);
                }
            }
            usesInstances |= root.DescendantNodes().OfType<ObjectCreationExpressionSyntax>().Any(o => o.Type is IdentifierNameSyntax n && instanceTypes.Contains(n.Identifier.Text));
            foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                foreach (var scope in Scopes(method, enums))
                {
                    foreach (var call in method.DescendantNodes().OfType<InvocationExpressionSyntax>())
                    {
                        if (call.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver } access
                            && methods.ContainsKey($"{receiver.Identifier.Text}.{access.Name.Identifier.Text}"))
                        {
                            var key = $"{receiver.Identifier.Text}.{access.Name.Identifier.Text}";
                            called.Add(key);
                            if (Arguments(call.ArgumentList, scope, enums) is { } args)
                            {
                                seeds.Add(new SeedCall(key, args));
                            }
                        }
                    }
                    foreach (var (typeName, sequence) in InstanceSequences(method, scope, constructible, enums))
                    {
                        built.Add(typeName);
                        seeds.Add(new SeedCall(typeName, sequence));
                    }
                }
            }
        }
        var entries = called.Order(StringComparer.Ordinal)
            .Select(key => (key, methods[key][0]))
            .Select(x => new EntryPoint(x.key, new JsonObject { ["type"] = x.Item2.TypeName, ["method"] = x.Item2.Method.Identifier.Text },
                [.. x.Item2.Method.ParameterList.Parameters.Select(p => p.Type?.ToString() ?? "")]))
            .Concat(built.Order(StringComparer.Ordinal).Select(name => new EntryPoint(name, InstanceTarget(name, constructible), [])))
            .ToList();
        _harvested = (task, referenceDir, called.ToDictionary(key => key,
            key => (IReadOnlyList<(string, string)>)[.. methods[key][0].Method.ParameterList.Parameters.Select(p => (p.Type?.ToString() ?? "object", p.Identifier.Text))], StringComparer.Ordinal));
        if (entries.Count == 0)
        {
            var generic = task.TestFiles.Where(f => f.Path.EndsWith(".cs", StringComparison.Ordinal))
                .SelectMany(f => CSharpSyntaxTree.ParseText(f.Content ?? File.ReadAllText(f.SourcePath), ParseOptions).GetRoot(ct).DescendantNodes().OfType<ObjectCreationExpressionSyntax>())
                .Select(o => o.Type).OfType<GenericNameSyntax>().Select(g => g.Identifier.Text).Where(instanceTypes.Contains).Distinct().Order(StringComparer.Ordinal).ToList();
            return Task.FromResult(new HarvestedApi([], [], literals,
                generic.Count > 0 ? $"the tests build a generic class ({string.Join(", ", generic.Select(g => g + "<T>"))}) but not over plain-data types (int, string, ...) from literal constructor arguments followed by calls"
                : usesInstances || instanceTypes.Count > 0
                ? $"the tests use an instance API ({string.Join(", ", instanceTypes.Order(StringComparer.Ordinal).Take(3))}) but build no instance from literal constructor arguments followed by calls"
                : "the tests call no public static method of the reference"));
        }
        return Task.FromResult(new HarvestedApi(entries, seeds, literals));
    }

    /// <summary>
    /// The driver's address of an object entry point: the type's metadata name, and for a closed generic
    /// (<c>CircularBuffer&lt;int&gt;</c>) the open type (<c>CircularBuffer`1</c>) with the type arguments the tests use.
    /// </summary>
    private static JsonObject InstanceTarget(string name, IReadOnlyDictionary<string, string> constructible)
    {
        if (name.IndexOf('<') is var open and > 0)
        {
            var typeArgs = name[(open + 1)..^1].Split(',').Select(t => t.Trim()).ToList();
            return new JsonObject { ["type"] = constructible[$"{name[..open]}`{typeArgs.Count}"], ["typeArgs"] = new JsonArray([.. typeArgs.Select(t => JsonValue.Create(t))]), ["instance"] = true };
        }
        return new JsonObject { ["type"] = constructible[name], ["instance"] = true };
    }

    /// <summary>The type arguments the driver can close a generic over: C#'s keyword types of plain data.</summary>
    private static readonly HashSet<string> DrivenTypeArguments = new(StringComparer.Ordinal) { "int", "long", "short", "byte", "double", "float", "decimal", "bool", "char", "string" };

    /// <summary>
    /// The arguments of a call as JSON when every one is a literal (no ref/out), else null. Named arguments are taken in
    /// the order written: reference and candidate get the same binding, so an out-of-order name can only make a case
    /// invalid, never a difference.
    /// </summary>
    private static JsonArray? Arguments(ArgumentListSyntax? list, IReadOnlyDictionary<string, JsonNode?> scope, IReadOnlySet<string> enums)
    {
        if (list is null)
        {
            return [];
        }
        var args = list.Arguments.Select(a => a.RefKindKeyword.IsKind(SyntaxKind.None) ? Literal(a.Expression, scope, enums) : null).ToList();
        return args.All(a => a is not null) ? new JsonArray([.. args]) : null;
    }

    /// <summary>
    /// The object sequences of a test method: each <c>new T(literals)</c> of a constructible solution type, bound to a local
    /// (<c>var x = new T(..)</c>) or called directly (<c>new T(..).M(..)</c>), with the calls on it that follow in source order,
    /// as <c>[constructor arguments, [{method, args}, ...]]</c>. A call with a non-literal argument ends its object's sequence.
    /// </summary>
    private static IEnumerable<(string Type, JsonArray Sequence)> InstanceSequences(MethodDeclarationSyntax method, IReadOnlyDictionary<string, JsonNode?> scope, IReadOnlyDictionary<string, string> constructible, IReadOnlySet<string> enums)
    {
        var objects = new Dictionary<string, (string Type, JsonArray Ctor, JsonArray Calls, bool Open)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var node in method.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax { Initializer.Value: BaseObjectCreationExpressionSyntax creation } declarator
                    when CreatedType(creation, declarator) is { } type && constructible.ContainsKey(OpenKey(type)) && Arguments(creation.ArgumentList, scope, enums) is { } ctor:
                    objects[declarator.Identifier.Text] = (type, ctor, [], true);
                    order.Add(declarator.Identifier.Text);
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver } access } call
                    when objects.TryGetValue(receiver.Identifier.Text, out var o) && o.Open:
                    if (Arguments(call.ArgumentList, scope, enums) is { } args)
                    {
                        o.Calls.Add(new JsonObject { ["method"] = access.Name.Identifier.Text, ["args"] = args });
                    }
                    else
                    {
                        objects[receiver.Identifier.Text] = o with { Open = false };
                    }
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: ObjectCreationExpressionSyntax direct } directAccess } directCall
                    when TypeKey(direct.Type, constructible) is { } t
                         && Arguments(direct.ArgumentList, scope, enums) is { } directCtor && Arguments(directCall.ArgumentList, scope, enums) is { } directArgs:
                    var name = $"<direct {order.Count}>";
                    objects[name] = (t, directCtor, [new JsonObject { ["method"] = directAccess.Name.Identifier.Text, ["args"] = directArgs }], false);
                    order.Add(name);
                    break;
            }
        }
        foreach (var key in order)
        {
            var o = objects[key];
            yield return (o.Type, new JsonArray(o.Ctor.DeepClone(), o.Calls.DeepClone()));
        }
    }

    /// <summary>The simple name of the type <paramref name="creation"/> builds (<c>new T(..)</c>, or <c>T x = new(..)</c>).</summary>
    private static string? CreatedType(BaseObjectCreationExpressionSyntax creation, VariableDeclaratorSyntax declarator) => creation switch
    {
        ObjectCreationExpressionSyntax { Type: IdentifierNameSyntax n } => n.Identifier.Text,
        ObjectCreationExpressionSyntax { Type: GenericNameSyntax g } => ClosedName(g),
        ImplicitObjectCreationExpressionSyntax when declarator.Parent is VariableDeclarationSyntax { Type: IdentifierNameSyntax declared } => declared.Identifier.Text,
        ImplicitObjectCreationExpressionSyntax when declarator.Parent is VariableDeclarationSyntax { Type: GenericNameSyntax declaredGeneric } => ClosedName(declaredGeneric),
        _ => null,
    };

    /// <summary>The <c>constructible</c> key of an entry-point type: <c>CircularBuffer&lt;int&gt;</c> is <c>CircularBuffer`1</c>.</summary>
    private static string OpenKey(string type) =>
        type.IndexOf('<') is var open and > 0 ? $"{type[..open]}`{type[(open + 1)..^1].Split(',').Length}" : type;

    /// <summary><c>CircularBuffer&lt;int&gt;</c> for a generic closed over plain-data keyword types, else null.</summary>
    private static string? ClosedName(GenericNameSyntax g) =>
        g.TypeArgumentList.Arguments.All(a => DrivenTypeArguments.Contains(a.ToString()))
            ? $"{g.Identifier.Text}<{string.Join(", ", g.TypeArgumentList.Arguments.Select(a => a.ToString()))}>"
            : null;

    /// <summary>The entry-point key of a type the tests build (<c>Clock</c>, <c>CircularBuffer&lt;int&gt;</c>) when the solution declares it, else null.</summary>
    private static string? TypeKey(TypeSyntax type, IReadOnlyDictionary<string, string> constructible) => type switch
    {
        IdentifierNameSyntax n when constructible.ContainsKey(n.Identifier.Text) => n.Identifier.Text,
        GenericNameSyntax g when constructible.ContainsKey($"{g.Identifier.Text}`{g.TypeArgumentList.Arguments.Count}") => ClosedName(g),
        _ => null,
    };

    private static readonly IReadOnlyDictionary<string, JsonNode?> EmptyScope = new Dictionary<string, JsonNode?>();

    /// <summary>Variable scopes of a test method: one per <c>InlineData</c> row (parameters bound), with the literal locals.</summary>
    private static IEnumerable<IReadOnlyDictionary<string, JsonNode?>> Scopes(MethodDeclarationSyntax method, IReadOnlySet<string> enums)
    {
        var locals = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var declarator in method.DescendantNodes().OfType<VariableDeclaratorSyntax>())
        {
            if (declarator.Initializer is { } init && Literal(init.Value, locals, enums) is { } v)
            {
                locals[declarator.Identifier.Text] = v;
            }
        }
        var rows = method.AttributeLists.SelectMany(l => l.Attributes).Where(a => a.Name.ToString() is "InlineData" or "InlineDataAttribute").ToList();
        if (rows.Count == 0)
        {
            yield return locals;
            yield break;
        }
        var parameters = method.ParameterList.Parameters.Select(p => p.Identifier.Text).ToList();
        foreach (var row in rows)
        {
            var scope = new Dictionary<string, JsonNode?>(locals, StringComparer.Ordinal);
            var values = row.ArgumentList?.Arguments.Select(a => Literal(a.Expression, EmptyScope, enums)).ToList() ?? [];
            for (var i = 0; i < parameters.Count && i < values.Count; i++)
            {
                if (values[i] is { } value)
                {
                    scope[parameters[i]] = value;
                }
            }
            yield return scope;
        }
    }

    /// <summary>The JSON value of a literal expression (numbers, strings, chars, booleans, arrays and collections of them), or null.</summary>
    private static JsonNode? Literal(ExpressionSyntax e, IReadOnlyDictionary<string, JsonNode?> scope, IReadOnlySet<string>? enums = null)
    {
        switch (e)
        {
            case LiteralExpressionSyntax l:
                return l.Token.Value switch
                {
                    null => null, // null arguments are left to the tests: the reference rejects most of them
                    string s => JsonValue.Create(s),
                    char c => JsonValue.Create(c.ToString()),
                    bool b => JsonValue.Create(b),
                    int or long or short or byte or uint or ulong => JsonNode.Parse(Convert.ToString(l.Token.Value, CultureInfo.InvariantCulture)!),
                    double d when double.IsFinite(d) => JsonValue.Create(d),
                    float f when float.IsFinite(f) => JsonValue.Create((double)f),
                    decimal m => JsonValue.Create(m),
                    _ => null,
                };
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } neg when Literal(neg.Operand, scope) is { } inner && inner.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                var text = inner.ToJsonString();
                return JsonNode.Parse(text.StartsWith('-') ? text[1..] : "-" + text);
            case ParenthesizedExpressionSyntax p:
                return Literal(p.Expression, scope, enums);
            case CastExpressionSyntax cast:
                return Literal(cast.Expression, scope, enums);
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax enumType } member when enums is not null && enums.Contains(enumType.Identifier.Text):
                // An enum member of the solution: the driver reads enums by name.
                return JsonValue.Create(member.Name.Identifier.Text);
            case IdentifierNameSyntax id when scope.TryGetValue(id.Identifier.Text, out var bound):
                return bound?.DeepClone();
            case ArrayCreationExpressionSyntax { Initializer: { } init }:
                return Elements(init.Expressions, scope, enums);
            case ImplicitArrayCreationExpressionSyntax implicitArray:
                return Elements(implicitArray.Initializer.Expressions, scope, enums);
            case CollectionExpressionSyntax collection when collection.Elements.All(x => x is ExpressionElementSyntax):
                return Elements([.. collection.Elements.Cast<ExpressionElementSyntax>().Select(x => x.Expression)], scope, enums);
            case ObjectCreationExpressionSyntax { Initializer: { } oinit } o when o.Type.ToString().StartsWith("List<", StringComparison.Ordinal) && (o.ArgumentList is null || o.ArgumentList.Arguments.Count == 0):
                return Elements(oinit.Expressions, scope, enums);
            case BaseObjectCreationExpressionSyntax { Initializer: { } dinit } d when dinit.Expressions.Count > 0 && dinit.Expressions.All(x => x is InitializerExpressionSyntax { Expressions.Count: 2 })
                                                                                   && (d.ArgumentList is null || d.ArgumentList.Arguments.Count == 0):
                // A dictionary with string keys (`new() { { "Vera", ["Tomoko"] } }`): a JSON object, which the driver
                // deserialises into the declared dictionary type.
                var dictionary = new JsonObject();
                foreach (var entry in dinit.Expressions.Cast<InitializerExpressionSyntax>())
                {
                    if (Literal(entry.Expressions[0], scope, enums) is not JsonValue key || key.GetValueKind() != System.Text.Json.JsonValueKind.String
                        || Literal(entry.Expressions[1], scope, enums) is not { } entryValue || dictionary.ContainsKey(key.GetValue<string>()))
                    {
                        return null;
                    }
                    dictionary[key.GetValue<string>()] = entryValue;
                }
                return dictionary;
            case InvocationExpressionSyntax inv when inv.Expression.ToString().StartsWith("Array.Empty", StringComparison.Ordinal):
                return new JsonArray();
            default:
                return null;
        }
    }

    private static JsonArray? Elements(IEnumerable<ExpressionSyntax> items, IReadOnlyDictionary<string, JsonNode?> scope, IReadOnlySet<string>? enums)
    {
        var values = items.Select(i => Literal(i, scope, enums)).ToList();
        return values.All(v => v is not null) ? new JsonArray([.. values]) : null;
    }

    /// <summary>The name <c>Type.GetType</c> finds: namespace, then nesting with <c>+</c>.</summary>
    private static string MetadataName(TypeDeclarationSyntax type)
    {
        var name = type.Identifier.Text;
        SyntaxNode? parent = type.Parent;
        while (parent is not null)
        {
            switch (parent)
            {
                case TypeDeclarationSyntax outer:
                    name = outer.Identifier.Text + "+" + name;
                    break;
                case BaseNamespaceDeclarationSyntax ns:
                    name = ns.Name + "." + name;
                    break;
            }
            parent = parent.Parent;
        }
        return name;
    }

    private static IEnumerable<string> SourceFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Tasks.NativeTaskSource.IsBuildOutput(Path.GetRelativePath(dir, f).Replace('\\', '/')))
            .Order(StringComparer.Ordinal);

    public async Task<string?> PrepareAsync(string dir, CancellationToken ct)
    {
        // The solution's files, listed before the driver's own are written beside them.
        var sources = SourceFiles(dir).Select(f => (f, Path.GetRelativePath(dir, f))).ToList();
        var bin = Path.Combine(dir, ".crucible-bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "Driver.cs"), DriverSource.Value);
        sources.Add((Path.Combine(bin, "Driver.cs"), "<crucible-driver>.cs"));
        var contracts = ContractSource(dir);
        if (contracts is { } contractSource)
        {
            File.WriteAllText(Path.Combine(bin, "Contracts.cs"), contractSource.Source);
            sources.Add((Path.Combine(bin, "Contracts.cs"), ContractFile));
        }
        var projects = Directory.EnumerateFiles(dir, "*.csproj", SearchOption.TopDirectoryOnly).Select(File.ReadAllText).ToList();
        if (projects.Count == 0 || projects.Any(p => p.Contains("<ImplicitUsings>enable</ImplicitUsings>", StringComparison.OrdinalIgnoreCase)))
        {
            File.WriteAllText(Path.Combine(bin, "ImplicitUsings.cs"), ImplicitUsings);
            sources.Add((Path.Combine(bin, "ImplicitUsings.cs"), "<implicit-usings>.cs"));
        }
        // The same compile service as graded attempts: the hostile-source screen, the compile watchdog and its time and memory
        // limits. Whatever stops the compile (a shape the service refuses, a limit, compiler errors) is the reason it does not build.
        var dll = Path.Combine(bin, ProgramName + ".dll");
        var compiled = await compiler.CompileAsync(new Dotnet.CompileRequest(DriverBasis.Value, sources, dll, dll, limits.CompileTimeout, limits.MemoryBytes), ct).ConfigureAwait(false);
        if (compiled.Kind != Dotnet.CompileResultKind.Compiled)
        {
            return compiled.Reason ?? $"the compile stopped at the {compiled.Limit} limit";
        }
        if (!compiled.Succeeded)
        {
            var errors = compiled.Diagnostics.Where(d => d.Contains(": error ", StringComparison.Ordinal)).Take(3).ToList();
            ThrowOnContractErrors(contracts, errors);
            return string.Join(" | ", errors);
        }
        var version = System.Environment.Version;
        File.WriteAllText(Path.Combine(bin, ProgramName + ".runtimeconfig.json"),
            "{\"runtimeOptions\":{\"tfm\":\"net" + version.Major + "." + version.Minor + "\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + version.Major + "." + version.Minor + "." + version.Build + "\"}}}");
        return null;
    }

    public Task<DriverRun> RunAsync(string dir, JsonArray cases, CancellationToken ct) =>
        DriverProcess.RunCasesAsync(sandbox, limits, dir, cases,
            (casesFile, outFile) => new SandboxCommand(Toolchains.DotnetExe, [Path.Combine(dir, ".crucible-bin", ProgramName + ".dll"), "run", casesFile, outFile, ((int)limits.CaseTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]),
            Toolchains.DotnetEnvironment(), Toolchains.DotnetMounts(), ct);

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

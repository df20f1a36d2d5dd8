using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Differential;

/// <summary>
/// The Go driver. The harvest (<c>GoHarvest.txt</c>, run with <c>go run</c>) reads the package's exported top-level
/// functions and the literal argument tuples the tests pass to them, including the rows of table-driven tests. Each
/// folder then gets its own driver program (<c>GoDriverProgram.txt</c>) that imports the package, decodes each case's
/// JSON arguments into the declared parameter types and writes one JSON result per line. Standard library only, so it
/// builds offline (<c>GOPROXY=off</c>). A constructor (an exported function returning a type with methods) is an object
/// entry: its cases are call sequences (<see cref="GoInputs"/>) and the driver compares each step's result and the value's
/// exported state. A function or method without literal arguments in the tests gets inputs from its declared parameter types.
/// </summary>
internal sealed partial class GoDriver(ISandbox sandbox, DifferentialLimits limits) : ILanguageDriver
{
    /// <summary>Folder of the generated driver program, inside the module (Go builds only packages under the module root).</summary>
    internal const string DriverPackage = "crucibledriver";
    private const string HarvestPackage = "crucibleharvest";
    private const string DriverBinary = ".crucible-go-driver";

    private static readonly Lazy<string> HarvestSource = new(() => Resource("differential-harvest.go"));
    private static readonly Lazy<string> DriverSource = new(() => Resource("differential-driver.go"));

    /// <summary>The Go verifier's sandbox environment: the driver builds exactly as grading does.</summary>
    private static IReadOnlyDictionary<string, string> Environment => Go.GoTestRunner.SandboxEnvironment;

    /// <summary>The entry points the harvest found; the driver program of every folder calls exactly these.</summary>
    private IReadOnlyList<string> _entries = [];

    /// <summary>The zero-argument methods the tests call on returned values; the driver shows their results as part of a value's state.</summary>
    private IReadOnlyList<string> _queries = [];

    /// <summary>
    /// The task's Go support files that are listed with the tests but are part of the package (Exercism "editor" files
    /// such as sublist's <c>relations.go</c>): every folder gets them, as <c>go test</c> would build them.
    /// </summary>
    private IReadOnlyList<TaskFile> _support = [];

    /// <summary>The task harvested (its contracts and its name in configuration errors).</summary>
    private TaskSpec? _task;

    /// <summary>Parameter names and types of each function and constructor, for the contracts that guard them.</summary>
    private readonly Dictionary<string, (IReadOnlyList<string> Names, IReadOnlyList<string> Types)> _signatures = new(StringComparer.Ordinal);

    /// <summary>The generated contract file is compiled into the reference's driver only (the candidate is never checked against it).</summary>
    private string? _referenceDir;

    private static string Resource(string name)
    {
        using var stream = typeof(GoDriver).Assembly.GetManifestResourceStream(name)!;
        return new StreamReader(stream).ReadToEnd();
    }

    public async Task<HarvestedApi> HarvestAsync(TaskSpec task, string referenceDir, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(referenceDir, "go.mod")))
        {
            return new([], [], [], "the task has no go.mod: the driver imports the package as a module");
        }
        _task = task;
        _referenceDir = referenceDir;
        _support = [.. task.TestFiles.Where(f => f.Path.EndsWith(".go", StringComparison.Ordinal) && !f.Path.EndsWith("_test.go", StringComparison.Ordinal))];
        foreach (var f in _support)
        {
            Workspaces.WriteTaskFile(f, referenceDir);
        }
        // A dot folder: go never builds it as part of the module, the harvest only parses it.
        var testDir = Path.Combine(referenceDir, ".crucible-tests");
        var tests = new List<string>();
        foreach (var f in task.TestFiles.Where(f => f.Path.EndsWith(".go", StringComparison.Ordinal)))
        {
            Workspaces.WriteTaskFile(f, testDir);
            tests.Add(Path.Combine(".crucible-tests", f.Path));
        }
        var harvestDir = Path.Combine(referenceDir, HarvestPackage);
        Directory.CreateDirectory(harvestDir);
        File.WriteAllText(Path.Combine(harvestDir, "main.go"), HarvestSource.Value);
        var output = Path.Combine(referenceDir, ".crucible-harvest.json");
        var result = await sandbox.ExecuteAsync(new SandboxCommand("go", ["run", "./" + HarvestPackage, output, .. tests]), DifferentialTester.Policy(referenceDir, limits, Environment), ct).ConfigureAwait(false);
        Workspaces.DeleteTree(testDir);
        Workspaces.DeleteTree(harvestDir);
        if (!File.Exists(output))
        {
            return new([], [], [], $"the test files could not be read for literals: {DriverProcess.Tail(result)}");
        }
        var doc = JsonNode.Parse(File.ReadAllText(output))!;
        File.Delete(output);
        var seeds = (doc["calls"] as JsonArray ?? []).Select(c => new SeedCall(c!["name"]!.GetValue<string>(), (JsonArray)c["args"]!.DeepClone())).ToList();
        var literals = (doc["literals"] as JsonArray ?? []).Where(l => l is not null).Select(l => l!.DeepClone()).ToList();
        var inputs = new GoInputs(task.Differential.Seed ?? limits.Seed, limits, literals,
            (doc["lists"] as JsonArray ?? []).OfType<JsonArray>().ToList(),
            (doc["underlying"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal));
        var entries = new List<EntryPoint>();
        var generated = new List<SeedCall>();
        foreach (var e in (doc["entries"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = e["name"]!.GetValue<string>();
            var parameters = Strings(e["params"]);
            _signatures[name] = (Strings(e["names"]), parameters);
            var own = seeds.Count(s => s.Entry == name);
            // Only a function the tests never call with literal arguments gets typed inputs: the tests' tuples stay the domain.
            var typed = own > 0 ? [] : inputs.Tuples(parameters);
            if (own == 0 && typed.Count == 0)
            {
                continue;
            }
            entries.Add(new EntryPoint(name, new JsonObject { ["name"] = name }, parameters));
            generated.AddRange(typed.Select(t => new SeedCall(name, t)));
        }
        var skippedObjects = new List<string>();
        foreach (var o in (doc["objects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = o["name"]!.GetValue<string>();
            _signatures[name] = (Strings(o["names"]), Strings(o["params"]));
            var methods = (o["methods"] as JsonArray ?? []).OfType<JsonObject>().Select(m => (Name: m["name"]!.GetValue<string>(), Params: Strings(m["params"]))).ToList();
            var ctorTuples = seeds.Where(s => s.Entry == name).Select(s => s.Arguments).ToList();
            var tested = (doc["sequences"] as JsonArray ?? []).OfType<JsonObject>().Where(q => q["name"]?.GetValue<string>() == name)
                .Select(q => new JsonArray(q["args"]!.DeepClone(), q["calls"]!.DeepClone())).ToList();
            var sequences = inputs.Sequences(Strings(o["params"]), ctorTuples, methods, tested);
            if (sequences.Count == 0)
            {
                skippedObjects.Add(name);
                continue;
            }
            seeds.RemoveAll(s => s.Entry == name);
            entries.Add(new EntryPoint(name, new JsonObject { ["name"] = name, ["instance"] = true }, []));
            generated.AddRange(sequences.Select(q => new SeedCall(name, q)));
        }
        seeds.AddRange(generated);
        if (entries.Count == 0)
        {
            var effects = Strings(doc["effects"]);
            return new([], [], literals,
                skippedObjects.Count > 0 ? $"the tests use a method API on values from {string.Join(", ", skippedObjects)}, and the constructor or most of the tested methods take arguments that cannot be generated (functions, interfaces, other packages' types)"
                : effects.Count > 0 ? $"the functions the tests call ({string.Join(", ", effects)}) return nothing and act on package state, which is not compared"
                : "the tests call no exported function of the package whose arguments can be generated");
        }
        _entries = [.. entries.Select(e => e.Display)];
        _queries = Strings(doc["queries"]);
        return new(entries, seeds, literals);
    }

    public async Task<string?> PrepareAsync(string dir, CancellationToken ct)
    {
        var goMod = Path.Combine(dir, "go.mod");
        var module = File.Exists(goMod) ? ModulePattern().Match(File.ReadAllText(goMod)) : Match.Empty;
        if (!module.Success)
        {
            return "go.mod names no module";
        }
        var program = DriverSource.Value
            .Replace("/*MODULE*/", module.Groups[1].Value, StringComparison.Ordinal)
            .Replace("/*ENTRIES*/", string.Join("\n\t", _entries.Select(e => $"\"{e}\": solution.{e},")), StringComparison.Ordinal)
            .Replace("/*QUERIES*/", string.Join(", ", _queries.Select(q => $"\"{q}\"")), StringComparison.Ordinal);
        foreach (var f in _support)
        {
            Workspaces.WriteTaskFile(f, dir);
        }
        var driverDir = Path.Combine(dir, DriverPackage);
        Directory.CreateDirectory(driverDir);
        File.WriteAllText(Path.Combine(driverDir, "main.go"), program);
        var contracts = dir == _referenceDir && _task is { Differential.Requires.Count: > 0 } ? ContractSource(module.Groups[1].Value, _task) : ((string Source, IReadOnlyList<(int Line, string Key)> Lines)?)null;
        if (contracts is not null)
        {
            File.WriteAllText(Path.Combine(driverDir, DifferentialTester.ContractSourceMarker), contracts.Value.Source);
        }
        var result = await sandbox.ExecuteAsync(new SandboxCommand("go", ["build", "-o", DriverBinary, "./" + DriverPackage]), DifferentialTester.Policy(dir, limits, Environment), ct).ConfigureAwait(false);
        if (result.Succeeded && File.Exists(Path.Combine(dir, DriverBinary)))
        {
            return null;
        }
        var output = result.Stderr.Text + result.Stdout.Text;
        if (contracts is not null && Regex.Match(output, Regex.Escape(DifferentialTester.ContractSourceMarker) + @":(\d+)") is { Success: true } at)
        {
            // The reference builds without them (the candidate's driver is the same program minus this file): the contract is at fault.
            var line = int.Parse(at.Groups[1].Value, CultureInfo.InvariantCulture);
            var key = contracts.Value.Lines.LastOrDefault(l => l.Line <= line).Key ?? contracts.Value.Lines[0].Key;
            var message = output.Split('\n').FirstOrDefault(l => l.Contains(DifferentialTester.ContractSourceMarker, StringComparison.Ordinal))?.Trim() ?? DriverProcess.Tail(result);
            throw new DifferentialConfigException(_task!, key, $"does not compile: {message}");
        }
        return DriverProcess.Tail(result);
    }

    /// <summary>
    /// The Go source of the task's contracts: one function per guarded function or constructor that decodes the JSON
    /// arguments into variables named as the parameters (exported type names qualified with the solution package) and
    /// evaluates the expression, a panic in it reported as an error. Each contract's first line, to name it in build errors.
    /// </summary>
    private (string Source, IReadOnlyList<(int Line, string Key)> Lines) ContractSource(string module, TaskSpec task)
    {
        var lines = new List<string>
        {
            "// Generated by Crucible: the task's input contracts (differential: requires), compiled into the reference's driver only.",
            "package main",
            "",
            "import (",
            "\t\"encoding/json\"",
            "\t\"fmt\"",
            "\t\"math\"",
            "\t\"strings\"",
            "\t\"unicode\"",
            "",
            $"\tsolution \"{module}\"",
            ")",
            "",
            "var _ = json.Unmarshal",
            "var _ = fmt.Errorf",
            "var _ = math.Abs",
            "var _ = strings.Count",
            "var _ = unicode.IsLetter",
            $"var _ = solution.{_entries.FirstOrDefault() ?? task.Differential.Requires.Keys.First()}",
            "",
            "func init() {",
        };
        var starts = new List<(int, string)>();
        foreach (var (key, expression) in task.Differential.Requires)
        {
            if (!_signatures.TryGetValue(key, out var signature))
            {
                throw new DifferentialConfigException(task, key, $"names no function or constructor of the Go package the tests call (Go contracts guard functions and constructors; known: {string.Join(", ", _signatures.Keys)})");
            }
            starts.Add((lines.Count + 1, key));
            lines.Add($"\tcontracts[\"{key}\"] = func(raws []json.RawMessage) (holds bool, err error) {{");
            lines.Add($"\t\tif len(raws) != {signature.Types.Count} {{");
            lines.Add("\t\t\treturn true, nil // the call itself rejects a wrong number of arguments");
            lines.Add("\t\t}");
            for (var i = 0; i < signature.Types.Count; i++)
            {
                var name = i < signature.Names.Count && signature.Names[i] != "_" ? signature.Names[i] : $"arg{i}";
                lines.Add($"\t\tvar {name} {GoType(signature.Types[i])}");
                lines.Add($"\t\tif json.Unmarshal(raws[{i}], &{name}) != nil {{");
                lines.Add("\t\t\treturn true, nil // arguments that do not decode are rejected by the call (bad-input)");
                lines.Add("\t\t}");
                lines.Add($"\t\t_ = {name}");
            }
            lines.Add("\t\tdefer func() {");
            lines.Add("\t\t\tif r := recover(); r != nil {");
            lines.Add("\t\t\t\terr = fmt.Errorf(\"panic: %v\", r)");
            lines.Add("\t\t\t}");
            lines.Add("\t\t}()");
            lines.Add($"\t\treturn {expression}, nil");
            lines.Add("\t}");
        }
        lines.Add("}");
        return (string.Join("\n", lines) + "\n", starts);
    }

    /// <summary>A parameter type as written in the solution package, usable from the driver package.</summary>
    private static string GoType(string type) =>
        ExportedName().Replace(type.StartsWith("...", StringComparison.Ordinal) ? "[]" + type[3..] : type, "solution.$1");

    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)")]
    private static partial Regex ExportedName();

    /// <summary>
    /// Runs the cases. A call that times out cannot be stopped inside the Go process (a goroutine cannot be killed), so
    /// the driver records the timeout and exits; the run then starts a fresh driver process from the next input, up to
    /// <see cref="DifferentialLimits.MaxTimeoutRestarts"/> times, so one stuck input costs only itself.
    /// </summary>
    public async Task<DriverRun> RunAsync(string dir, JsonArray cases, CancellationToken ct)
    {
        var results = new List<JsonNode?>();
        for (var restarts = 0; ; restarts++)
        {
            var remaining = new JsonArray([.. cases.Skip(results.Count).Select(c => c?.DeepClone())]);
            var run = await DriverProcess.RunCasesAsync(sandbox, limits, dir, remaining,
                (casesFile, outFile) => new SandboxCommand("./" + DriverBinary, [casesFile, outFile, limits.CaseTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)]),
                Environment, null, ct).ConfigureAwait(false);
            if (run.Error is { } error && results.Count == 0)
            {
                return run;
            }
            results.AddRange(run.Results);
            var stoppedOnTimeout = run.Results.Count > 0 && run.Results[^1] is JsonObject last && last.ContainsKey("timeout");
            if (results.Count >= cases.Count || !stoppedOnTimeout || restarts >= limits.MaxTimeoutRestarts)
            {
                return new DriverRun(results);
            }
        }
    }

    private static List<string> Strings(JsonNode? node) => [.. (node as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? "")];

    [GeneratedRegex(@"^\s*module\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex ModulePattern();
}

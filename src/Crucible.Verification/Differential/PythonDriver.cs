using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Differential;

/// <summary>
/// The Python driver (<c>driver.py</c>): harvests the functions the tests import from the solution and
/// the literal arguments they pass (read from the source, and recorded by running the visible tests on the
/// reference with the solution's functions and classes wrapped), then calls each case with <c>python3</c> in
/// the sandbox. Classes are driven as objects: built with the tests' constructor arguments, then the tests'
/// call sequences (method calls, attribute reads and assignments) replayed and mutated, one step per call.
/// </summary>
internal sealed class PythonDriver(ISandbox sandbox, DifferentialLimits limits) : ILanguageDriver
{
    internal const string DriverFile = "crucible_differential_driver.py";
    private static readonly Lazy<string> Source = new(() =>
    {
        using var stream = typeof(PythonDriver).Assembly.GetManifestResourceStream("differential-driver.py")!;
        return new StreamReader(stream).ReadToEnd();
    });

    private static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["PATH"] = Toolchains.SandboxPath,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
        ["PYTHONHASHSEED"] = "0",
        ["LANG"] = "C.UTF-8",
    };

    public async Task<HarvestedApi> HarvestAsync(TaskSpec task, string referenceDir, CancellationToken ct)
    {
        var testDir = Path.Combine(referenceDir, ".crucible-tests");
        var tests = new List<string>();
        foreach (var f in task.TestFiles.Where(f => f.Path.EndsWith(".py", StringComparison.Ordinal)))
        {
            Workspaces.WriteTaskFile(f, testDir);
            tests.Add(Path.Combine(".crucible-tests", f.Path));
        }
        File.WriteAllText(Path.Combine(referenceDir, DriverFile), Source.Value);
        var output = Path.Combine(referenceDir, ".crucible-harvest.json");
        var result = await sandbox.ExecuteAsync(new SandboxCommand("python3", [DriverFile, "harvest", output, .. tests]), DifferentialTester.Policy(referenceDir, limits, Environment), ct).ConfigureAwait(false);
        Workspaces.DeleteTree(testDir);
        if (!File.Exists(output))
        {
            return new([], [], [], $"the test files could not be read for literals: {DriverProcess.Tail(result)}");
        }
        var doc = JsonNode.Parse(File.ReadAllText(output))!;
        File.Delete(output);
        var entries = new List<EntryPoint>();
        var classes = new List<string>();
        foreach (var e in doc["entries"]!.AsArray())
        {
            var name = e!["name"]!.GetValue<string>();
            switch (e["kind"]!.GetValue<string>())
            {
                case "function":
                    entries.Add(new EntryPoint(name, new JsonObject { ["module"] = e["module"]!.GetValue<string>(), ["name"] = name }, []));
                    break;
                case "class":
                    classes.Add(name);
                    break;
            }
        }
        var seeds = doc["calls"]!.AsArray().Select(c => new SeedCall(c!["name"]!.GetValue<string>(), (JsonArray)c["args"]!.DeepClone())).ToList();
        entries = [.. entries.Where(e => seeds.Any(s => s.Entry == e.Display))];
        // A class called like a function (`PhoneNumber("..")`) is not a function case: its objects come from the trace below.
        seeds = [.. seeds.Where(s => entries.Any(e => e.Display == s.Entry))];
        // Objects the tests built from plain data and drove: one entry point per class (and factory), its
        // sequences as seeds. The state compared after each step is the attributes the tests read.
        foreach (var o in doc["objects"]?.AsArray() ?? [])
        {
            if (o?["name"] is null)
            {
                continue;
            }
            var name = o["name"]!.GetValue<string>();
            var factory = o["factory"]?.GetValue<string>();
            var display = factory is null ? name : $"{name}.{factory}";
            if (!entries.Any(e => e.Display == display))
            {
                var target = new JsonObject { ["module"] = o["module"]!.GetValue<string>(), ["name"] = name, ["instance"] = true, ["attrs"] = o["attrs"]!.DeepClone() };
                if (factory is not null)
                {
                    target["factory"] = factory;
                }
                entries.Add(new EntryPoint(display, target, []));
            }
            seeds.Add(new SeedCall(display, (JsonArray)o["args"]!.DeepClone()));
        }
        var literals = doc["literals"]!.AsArray().Where(l => l is not null).Select(l => l!.DeepClone()).ToList();
        if (entries.Count == 0)
        {
            return new([], [], literals, classes.Count > 0
                ? $"the tests use a class API ({string.Join(", ", classes)}) but build no object from plain data (no callbacks or other objects as arguments) and call nothing on it"
                : "the tests call no function of the solution with plain-data arguments");
        }
        return new(entries, seeds, literals);
    }

    public Task<string?> PrepareAsync(string dir, CancellationToken ct)
    {
        File.WriteAllText(Path.Combine(dir, DriverFile), Source.Value);
        return Task.FromResult<string?>(null);
    }

    public Task<DriverRun> RunAsync(string dir, JsonArray cases, CancellationToken ct) =>
        DriverProcess.RunCasesAsync(sandbox, limits, dir, cases,
            (casesFile, outFile) => new SandboxCommand("python3", [DriverFile, "run", casesFile, outFile, limits.CaseTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)]),
            Environment, null, ct);
}

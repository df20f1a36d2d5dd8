using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Crucible.Core.IO;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Differential;

/// <summary>
/// Differential testing: generates inputs from a task's public API and the literals of its tests and
/// instructions, calls the reference and the candidate on the same inputs, each in its own sandboxed
/// driver process outside any test framework, and compares the results. The reference runs twice: a
/// reference that answers differently is non-deterministic and the task is not comparable. Inputs the
/// reference rejects (throws, cannot take) are invalid and not compared.
/// </summary>
public sealed class DifferentialTester
{
    private readonly ISandbox _sandbox;
    private readonly DifferentialLimits _limits;
    private readonly Dotnet.ICSharpCompileService _compiler;

    /// <summary>A tester that runs drivers in <paramref name="sandbox"/> under <paramref name="limits"/> (default <see cref="DifferentialLimits.Default"/>).</summary>
    /// <param name="sandbox">Where the driver processes run.</param>
    /// <param name="limits">Limits; default <see cref="DifferentialLimits.Default"/>.</param>
    /// <param name="compiler">
    /// The compile service the C# driver compiles in. Default: a <see cref="Dotnet.RoslynCompileService"/> of this tester's own,
    /// so a hostile compile that retires its service costs only this tester.
    /// </param>
    public DifferentialTester(ISandbox sandbox, DifferentialLimits? limits = null, Dotnet.ICSharpCompileService? compiler = null)
    {
        _sandbox = sandbox;
        _limits = limits ?? DifferentialLimits.Default;
        _compiler = compiler ?? new Dotnet.RoslynCompileService();
    }

    /// <summary>The limits in force.</summary>
    public DifferentialLimits Limits => _limits;

    /// <summary>Why <paramref name="task"/> cannot be compared before anything runs, or null when it may be.</summary>
    public static string? Precondition(TaskSpec task)
    {
        if (task.Differential.Enabled == false)
        {
            return "opted out in task.yaml (differential: enabled: false)";
        }
        if (task.ReferenceFiles.Count == 0)
        {
            return "the task ships no reference solution";
        }
        return task.Language switch
        {
            "python" or "csharp" or "go" => null,
            _ => $"no differential driver for {task.Language} yet",
        };
    }

    /// <summary>Compares the candidate in <paramref name="candidatePath"/> with <paramref name="task"/>'s reference.</summary>
    public async Task<DifferentialReport> CompareAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var report = await CompareCoreAsync(task, candidatePath, cancellationToken).ConfigureAwait(false);
        return report with { Duration = clock.Elapsed, Config = report.Config ?? ConfigOf(task) };
    }

    private async Task<DifferentialReport> CompareCoreAsync(TaskSpec task, string? candidatePath, CancellationToken ct)
    {
        var seed = task.Differential.Seed ?? _limits.Seed;
        var config = ConfigOf(task);
        if (Precondition(task) is { } reason)
        {
            return DifferentialReport.NotComparable(task.Id, reason, seed) with { Config = config };
        }
        ILanguageDriver driver = task.Language switch
        {
            "python" => new PythonDriver(_sandbox, _limits),
            "go" => new GoDriver(_sandbox, _limits),
            _ => new CSharpDriver(_sandbox, _limits, _compiler),
        };
        var referenceDir = Prepare(task, null);
        var candidateDir = candidatePath is null ? null : Prepare(task, candidatePath);
        try
        {
            var api = await driver.HarvestAsync(task, referenceDir, ct).ConfigureAwait(false);
            if (api.NotComparable is { } why)
            {
                return DifferentialReport.NotComparable(task.Id, why, seed);
            }
            var entries = api.Entries;
            if (task.Differential.EntryPoints.Count > 0)
            {
                entries = [.. entries.Where(e => task.Differential.EntryPoints.Contains(e.Display, StringComparer.Ordinal) || task.Differential.EntryPoints.Contains(e.Display.Split('.')[^1], StringComparer.Ordinal))];
            }
            if (entries.Count == 0)
            {
                return DifferentialReport.NotComparable(task.Id, "no entry point to call (the tests call no function of the solution with literal arguments)", seed);
            }
            var seeds = api.Seeds.ToList();
            var hintEntry = task.Differential.HintEntryPoint ?? entries[0].Display;
            seeds.AddRange(task.Differential.Inputs.Select(i => new SeedCall(entries.FirstOrDefault(e => e.Display.EndsWith(hintEntry, StringComparison.Ordinal))?.Display ?? entries[0].Display, (JsonArray)JsonNode.Parse(i)!)));
            var literals = api.Literals.Concat(InstructionLiterals(task.Instructions));
            var cases = new InputGenerator(seed, literals).Generate(entries, seeds, _limits.MaxCases);
            if (cases.Count == 0)
            {
                return DifferentialReport.NotComparable(task.Id, "no inputs could be generated (no literal arguments in the tests and no input hints)", seed);
            }
            var casesJson = new JsonArray([.. cases.Select(c => c.ToDriverJson())]);
            var contracts = Contracts(task, entries);
            // Contracts go to the reference's driver only: the candidate is called on every case, and a case the reference's
            // contract rejects is simply not compared.
            var referenceCases = contracts.Count == 0 ? casesJson : new JsonArray([.. cases.Select(c => WithContracts(c, contracts))]);

            if (await driver.PrepareAsync(referenceDir, ct).ConfigureAwait(false) is { } refError)
            {
                return DifferentialReport.NotComparable(task.Id, $"the reference does not build standalone: {refError}", seed);
            }
            var first = await driver.RunAsync(referenceDir, referenceCases, ct).ConfigureAwait(false);
            var second = await driver.RunAsync(referenceDir, referenceCases, ct).ConfigureAwait(false);
            if (first.Error is { } runError)
            {
                return DifferentialReport.NotComparable(task.Id, $"the reference driver failed: {runError}", seed) with { Cases = cases.Count };
            }
            ThrowOnContractError(task, cases, first.Results);
            var rejectedByContract = first.Results.Count(RejectedByContract);
            var comparer = new ResultComparer(task.Differential.Tolerance ?? InferredTolerance(task) ?? _limits.Tolerance, Unordered(task));
            // A case that ran out of time in either run says nothing about determinism; it is not compared at all.
            var unstable = Enumerable.Range(0, Math.Min(first.Results.Count, second.Results.Count))
                .Count(i => !TimedOut(first.Results[i]) && !TimedOut(second.Results[i]) && !SameOutcome(comparer, first.Results[i], second.Results[i]));
            if (unstable > 0)
            {
                return DifferentialReport.NotComparable(task.Id, $"the reference is non-deterministic: {unstable} of {cases.Count} case(s) answered differently on a second run", seed) with { Cases = cases.Count };
            }
            var valid = first.Results.Count(r => r is JsonObject o && o.ContainsKey("ok"));
            if (valid == 0)
            {
                return DifferentialReport.NotComparable(task.Id, "the reference rejects every generated input", seed) with { Cases = cases.Count, Invalid = first.Results.Count };
            }
            if (candidateDir is null)
            {
                return new DifferentialReport { TaskId = task.Id, Status = DifferentialStatus.Agrees, Reason = "reference only", Seed = seed, Cases = cases.Count, Compared = valid, Invalid = cases.Count - valid, RejectedByContract = rejectedByContract, Config = config };
            }
            if (await driver.PrepareAsync(candidateDir, ct).ConfigureAwait(false) is { } candError)
            {
                // Grading already fails a candidate that does not build; this is no evidence about generalising.
                return DifferentialReport.NotComparable(task.Id, $"the candidate does not build standalone: {candError}", seed) with { Cases = cases.Count };
            }
            var got = await driver.RunAsync(candidateDir, casesJson, ct).ConfigureAwait(false);
            int compared = 0, invalid = 0, timeouts = 0;
            string? firstTimeout = null;
            for (var i = 0; i < cases.Count; i++)
            {
                var expected = i < first.Results.Count ? first.Results[i] as JsonObject : null;
                if (expected is null || !expected.ContainsKey("ok"))
                {
                    invalid++;
                    continue;
                }
                var actual = i < got.Results.Count ? got.Results[i] as JsonObject : null;
                if (actual is null || actual.ContainsKey("timeout"))
                {
                    firstTimeout ??= cases[i].Display;
                    timeouts++;
                    continue;
                }
                compared++;
                if (!SameOutcome(comparer, expected, actual))
                {
                    return new DifferentialReport
                    {
                        TaskId = task.Id, Status = DifferentialStatus.Disagrees, Seed = seed, Cases = cases.Count, Compared = compared, Invalid = invalid, CandidateTimeouts = timeouts, FirstTimeout = firstTimeout,
                        RejectedByContract = rejectedByContract, Config = config,
                        Reason = $"disagrees with the reference on {cases[i].Display}",
                        Counterexample = Counterexample(comparer, cases[i], expected, actual, seed, i) with { Config = config },
                    };
                }
            }
            return new DifferentialReport
            {
                TaskId = task.Id, Status = DifferentialStatus.Agrees, Seed = seed, Cases = cases.Count, Compared = compared, Invalid = invalid, CandidateTimeouts = timeouts, FirstTimeout = firstTimeout,
                RejectedByContract = rejectedByContract, Config = config,
                Reason = $"agrees on {compared} generated input(s)" + (rejectedByContract > 0 ? $"; {rejectedByContract} outside the input contracts" : "") + (timeouts > 0 ? $"; {timeouts} not finished in time, first {firstTimeout}" : ""),
            };
        }
        finally
        {
            Workspaces.DeleteTree(referenceDir);
            if (candidateDir is not null)
            {
                Workspaces.DeleteTree(candidateDir);
            }
        }
    }

    /// <summary>Checks the reference alone (harvest, build, two runs): what a coverage sweep reports per task.</summary>
    public async Task<DifferentialReport> CheckReferenceAsync(TaskSpec task, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var report = await CompareCoreAsync(task, null, cancellationToken).ConfigureAwait(false);
        return report with { Duration = clock.Elapsed, Config = report.Config ?? ConfigOf(task) };
    }

    /// <summary>
    /// The counterexample of case <paramref name="index"/>. For an object sequence it names the calls up to the first step that
    /// differs and shows that step (returned value or exception type, then the public state), not the whole sequence.
    /// </summary>
    private static Counterexample Counterexample(ResultComparer comparer, GeneratedCase c, JsonObject expected, JsonObject actual, int seed, int index)
    {
        if (expected["ok"] is JsonObject wantObject && wantObject["__steps__"] is JsonArray want && actual["ok"] is JsonObject gotObject && gotObject["__steps__"] is JsonArray got && c.Arguments is [JsonArray ctor, JsonArray calls])
        {
            var step = Enumerable.Range(0, want.Count).FirstOrDefault(k => k >= got.Count || !comparer.Same(new JsonObject { ["__steps__"] = new JsonArray(want[k]?.DeepClone()) }, new JsonObject { ["__steps__"] = new JsonArray(got[k]?.DeepClone()) }));
            var shown = new GeneratedCase(c.Entry, [ctor.DeepClone(), new JsonArray([.. calls.Take(step).Select(x => x?.DeepClone())])]);
            return new Counterexample(shown.Display, want[step]?.ToJsonString() ?? "null", step < got.Count ? got[step]?.ToJsonString() ?? "null" : "(no such step: the sequence ended earlier)", seed, index);
        }
        return new Counterexample(c.Display, Show(expected), Show(actual), seed, index);
    }

    /// <summary>Where <paramref name="task"/>'s differential configuration came from, highest precedence first; null when inferred.</summary>
    internal static string? ConfigOf(TaskSpec task) => task.Differential.Sources.Count > 0 ? string.Join(" > ", task.Differential.Sources) : null;

    /// <summary>Marks the Go driver's generated contract file in build errors (see <see cref="GoDriver"/>).</summary>
    internal const string ContractSourceMarker = "crucible_contracts.go";

    /// <summary>
    /// The task's contracts by entry point they guard (the entry's <see cref="EntryPoint.Display"/> name for a function or a
    /// constructor, <c>Display.method</c> for a method of an object entry).
    /// </summary>
    /// <exception cref="DifferentialConfigException">A contract names no entry point the tests call.</exception>
    internal static IReadOnlyDictionary<string, string> Contracts(TaskSpec task, IReadOnlyList<EntryPoint> entries)
    {
        var requires = task.Differential.Requires;
        foreach (var key in requires.Keys)
        {
            if (!entries.Any(e => Guards(key, e)))
            {
                throw new DifferentialConfigException(task, key,
                    $"names no entry point the tests call (entry points: {string.Join(", ", entries.Select(e => e.Display))})");
            }
        }
        return requires;
    }

    /// <summary>True when contract <paramref name="key"/> guards a call of <paramref name="entry"/>: the entry itself, or one of its methods.</summary>
    private static bool Guards(string key, EntryPoint entry) =>
        key == entry.Display || (entry.Target.ContainsKey("instance") && key.StartsWith(entry.Display + ".", StringComparison.Ordinal));

    /// <summary>The case for the reference's driver: its target with the contracts that guard it (<c>requires</c>: key → expression).</summary>
    private static JsonObject WithContracts(GeneratedCase c, IReadOnlyDictionary<string, string> contracts)
    {
        var o = c.ToDriverJson();
        var guarding = contracts.Where(p => Guards(p.Key, c.Entry)).ToList();
        if (guarding.Count > 0)
        {
            o["requires"] = new JsonObject(guarding.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        }
        return o;
    }

    /// <summary>
    /// A reference result rejected by a contract: the whole case (<c>{"invalid": "requires"}</c>) or, for an object, the
    /// step where the sequence was cut.
    /// </summary>
    private static bool RejectedByContract(JsonNode? result) =>
        result is JsonObject o && (ByContract(o) || (LastStep(o) is { } last && ByContract(last)));

    /// <summary>The last step of an object's result (<c>{"ok": {"__steps__": [..]}}</c>), where a sequence cut by a contract ends; null otherwise.</summary>
    private static JsonObject? LastStep(JsonObject result) =>
        result["ok"] is JsonObject ok && ok["__steps__"] is JsonArray { Count: > 0 } steps ? steps[^1] as JsonObject : null;

    /// <summary>A driver's <c>{"invalid": "requires"}</c> (other invalid inputs, such as arguments that do not convert, say why otherwise).</summary>
    private static bool ByContract(JsonObject o) => o["invalid"] is JsonValue v && v.TryGetValue<string>(out var why) && why == "requires";

    /// <summary>A contract that threw is the configuration's error, never the candidate's: it stops the comparison.</summary>
    private static void ThrowOnContractError(TaskSpec task, IReadOnlyList<GeneratedCase> cases, IReadOnlyList<JsonNode?> results)
    {
        for (var i = 0; i < results.Count; i++)
        {
            var error = results[i] is not JsonObject o ? null
                : o["contract_error"] is not null ? o
                : LastStep(o) is { } last && last["contract_error"] is not null ? last
                : null;
            if (error is not null)
            {
                throw new DifferentialConfigException(task, error["contract_error"]!.GetValue<string>(),
                    $"failed on {cases[i].Display}: {error["detail"]?.GetValue<string>() ?? "error"}");
            }
        }
    }

    private static bool TimedOut(JsonNode? result) => result is JsonObject o && o.ContainsKey("timeout");

    private static string Show(JsonObject result) =>
        result.TryGetPropertyValue("ok", out var v) ? v?.ToJsonString() ?? "null"
        : result["throws"] is { } t ? $"throws {t.GetValue<string>()}"
        : result.ToJsonString();

    private static bool SameOutcome(ResultComparer comparer, JsonNode? a, JsonNode? b)
    {
        if (a is not JsonObject x || b is not JsonObject y)
        {
            return a is null && b is null;
        }
        if (x.ContainsKey("ok") && y.ContainsKey("ok"))
        {
            return comparer.Same(x["ok"], y["ok"]);
        }
        if (ResultComparer.RejectedEarlier(x, y))
        {
            return true;
        }
        // Exception types are compared, never messages.
        return x.ToJsonString() == y.ToJsonString();
    }

    /// <summary>Lists compare as multisets when task.yaml says so, or when the tests compare them without order.</summary>
    internal static bool Unordered(TaskSpec task)
    {
        if (task.Differential.Ordering is { } ordering)
        {
            return ordering == "unordered";
        }
        string[] markers = ["assertCountEqual", "Assert.Equivalent", "Is.EquivalentTo", "BeEquivalentTo", "sorted(", "set(", "frozenset(", ".OrderBy(", "Assert.Contains(", "sort.Strings(", "sort.Ints(", "sort.Slice("];
        return task.TestFiles.Any(f => Encoding(f) is var text && markers.Any(m => text.Contains(m, StringComparison.Ordinal)));
    }

    private static string Encoding(TaskFile f) => f.Content ?? (File.Exists(f.SourcePath) ? File.ReadAllText(f.SourcePath) : "");

    /// <summary>
    /// The float tolerance the tests themselves allow, when they compare approximately: <c>precision: N</c> (xUnit) or
    /// <c>places=N</c> (unittest) give 10^-N; <c>assertAlmostEqual</c> without places gives 1e-7 (its default);
    /// <c>pytest.approx</c> and <c>math.isclose</c> give 1e-6. Null when the tests compare exactly. The largest wins:
    /// honest code may round where the reference does not, or the other way round, within what the tests accept.
    /// </summary>
    internal static double? InferredTolerance(TaskSpec task)
    {
        double? tolerance = null;
        void Allow(double t) => tolerance = Math.Max(tolerance ?? 0, t);
        foreach (var text in task.TestFiles.Select(Encoding))
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\b(?:precision:\s*|places\s*=\s*)(\d{1,2})\b"))
            {
                Allow(Math.Pow(10, -int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
            if (text.Contains("assertAlmostEqual(", StringComparison.Ordinal))
            {
                Allow(1e-7);
            }
            if (text.Contains("approx(", StringComparison.Ordinal) || text.Contains("isclose(", StringComparison.Ordinal))
            {
                Allow(1e-6);
            }
        }
        return tolerance;
    }

    /// <summary>Numbers and back-quoted strings of the instructions, as generator literals.</summary>
    internal static IEnumerable<JsonNode> InstructionLiterals(string instructions)
    {
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(instructions, @"(?<![\w.])-?\d{1,9}(?![\w.])"))
        {
            yield return JsonValue.Create(long.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(instructions, "`([^`\n]{1,40})`"))
        {
            yield return JsonValue.Create(m.Groups[1].Value);
        }
    }

    /// <summary>A fresh folder with the task's non-test starting files and either the reference or the candidate's editable files.</summary>
    private static string Prepare(TaskSpec task, string? candidatePath)
    {
        var dir = ProcessTemp.NewPath(candidatePath is null ? "diff-ref-" : "diff-cand-");
        Directory.CreateDirectory(dir);
        var tests = task.TestFiles.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var f in task.StartingFiles.Where(f => !tests.Contains(f.Path)))
        {
            Workspaces.WriteTaskFile(f, dir);
        }
        if (candidatePath is null)
        {
            foreach (var f in task.ReferenceFiles)
            {
                Workspaces.WriteTaskFile(f, dir);
            }
        }
        else
        {
            foreach (var rel in Workspaces.ListRegularFiles(candidatePath).Where(p => PathGlob.MatchesAny(p, task.Editable) && !tests.Contains(p) && !NativeTaskSourceBuildOutput(p)))
            {
                var dest = Workspaces.Resolve(dir, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(Path.Combine(candidatePath, rel), dest, overwrite: true);
            }
        }
        return dir;
    }

    private static bool NativeTaskSourceBuildOutput(string rel) => Tasks.NativeTaskSource.IsBuildOutput(rel);

    /// <summary>The policy of one driver process: its folder is the workspace, no network, the differential limits.</summary>
    internal static SandboxPolicy Policy(string dir, DifferentialLimits limits, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? readOnly = null) => new()
    {
        WorkspacePath = dir,
        AllowNetwork = false,
        Environment = environment,
        ReadOnlyPaths = readOnly ?? [],
        Limits = limits.Resources,
    };

    /// <summary>Reads a driver's JSON-lines result file (a line cut short by a kill is dropped).</summary>
    internal static List<JsonNode?> ReadResults(string file)
    {
        var results = new List<JsonNode?>();
        if (!File.Exists(file))
        {
            return results;
        }
        foreach (var line in File.ReadLines(file))
        {
            try
            {
                results.Add(JsonNode.Parse(line));
            }
            catch (JsonException)
            {
                break;
            }
        }
        return results;
    }
}

/// <summary>What the harvest found: entry points, the tests' argument tuples and literals, or why the task is not comparable.</summary>
internal sealed record HarvestedApi(IReadOnlyList<EntryPoint> Entries, IReadOnlyList<SeedCall> Seeds, IReadOnlyList<JsonNode> Literals, string? NotComparable = null);

/// <summary>The results of one driver run, in case order (shorter when the run stopped early), or the error.</summary>
internal sealed record DriverRun(IReadOnlyList<JsonNode?> Results, string? Error = null);

/// <summary>One language's driver: reads the public API, builds a folder and runs cases in it.</summary>
internal interface ILanguageDriver
{
    Task<HarvestedApi> HarvestAsync(TaskSpec task, string referenceDir, CancellationToken ct);

    /// <summary>Builds the folder's code for the driver; the error text, or null when it is ready.</summary>
    Task<string?> PrepareAsync(string dir, CancellationToken ct);

    Task<DriverRun> RunAsync(string dir, JsonArray cases, CancellationToken ct);
}

/// <summary>
/// A task's differential configuration is unusable: a contract that does not compile, throws, or names no entry point.
/// Bad input (exit 2), never a verdict about the candidate.
/// </summary>
public sealed class DifferentialConfigException : BadInputException
{
    /// <summary>The error for contract <paramref name="key"/> of <paramref name="task"/>.</summary>
    public DifferentialConfigException(TaskSpec task, string key, string problem)
        : base($"task {task.Id}: differential contract requires.{key} ({(task.Differential.Sources.Count > 0 ? string.Join(" > ", task.Differential.Sources) : "task.yaml")}) {problem}",
            "fix the expression: it is written in the task's language over the arguments by parameter name, must evaluate to true or false without throwing, and is keyed by a function, Type.Method, or a class name for its constructor (docs/hidden-tests.md)")
    {
        TaskId = task.Id;
        Key = key;
    }

    /// <summary>The task whose configuration is at fault.</summary>
    public string TaskId { get; }

    /// <summary>The contract's key.</summary>
    public string Key { get; }
}

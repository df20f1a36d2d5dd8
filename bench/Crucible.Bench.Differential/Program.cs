// Differential testing: coverage of the shared benchmarks, false positives on the references, and
// the time it adds to a verification.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Differential -- coverage [--suite NAME,...] [--filter GLOB] [--out FILE]
//   dotnet run -c Release --project bench/Crucible.Bench.Differential -- timing [--tasks N] [--suite NAME] [--out FILE]
//   dotnet run -c Release --project bench/Crucible.Bench.Differential -- candidates [--filter LANGUAGE/TASK prefix]
//
// coverage: for every Exercism C# task, every Aider Python and Go task and every HumanEval task, compares the reference
// solution, used as the candidate, with itself (two reference runs plus one candidate run). Writes one
// line per task (comparable or not, with the reason, cases generated and compared) to --out (default
// bench/differential/coverage.tsv) and prints the totals. Any disagreement is a false positive.
// timing: on a sample of comparable tasks, the time differential testing adds per verification
// (median and p95), against the verifier's own time on the same tasks in the same run. Without --suite the sample is
// half C# and half Python; with --suite (e.g. aider-go) it is the first N tasks of that suite, written to
// bench/differential/timing-NAME.tsv unless --out says otherwise.
// candidates: every candidate under tests/differential-candidates graded on the visible tests (real
// verifier) and compared with the reference: correct-* must pass and agree, cheat-* must pass the
// visible tests and be flagged. Prints one line per candidate and the totals.
using System.Diagnostics;
using System.Globalization;
using Crucible.Core.Tasks;
using Crucible.Sandbox;
using Crucible.Verification;
using Crucible.Verification.Differential;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

var mode = args.FirstOrDefault() ?? "coverage";
var repo = FindRepo();
var shared = Environment.GetEnvironmentVariable("CRUCIBLE_SHARED_DATA") is { Length: > 0 } s ? s : Path.GetFullPath(Path.Combine(repo, "..", "shared"));
var suites = new (string Name, string Path)[]
{
    ("exercism-csharp", Path.Combine(shared, "benchmarks", "exercism-csharp", "exercises", "practice")),
    ("aider-python", Path.Combine(shared, "benchmarks", "aider-polyglot", "python", "exercises", "practice")),
    ("aider-go", Path.Combine(shared, "benchmarks", "aider-polyglot", "go", "exercises", "practice")),
    ("humaneval", Path.Combine(shared, "benchmarks", "openai-humaneval")),
};
var sandbox = new BubblewrapSandbox();
sandbox.EnsureAvailable();
var tester = new DifferentialTester(sandbox);

if (mode == "coverage")
{
    var outFile = Arg("--out") ?? Path.Combine(repo, "bench", "differential", "coverage.tsv");
    Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
    var lines = new List<string> { "# schema crucible.differential-coverage 1", "suite\ttask\tcomparable\tstatus\tcases\tcompared\tinvalid\tseconds\treason" };
    var totals = new Dictionary<string, (int All, int Comparable, int FalsePositives)>();
    foreach (var (name, path) in suites.Where(x => Arg("--suite") is not { } only || only.Split(',').Contains(x.Name)))
    {
        var suite = TaskSuites.Filter(TaskSuites.Load(path), Arg("--filter"));
        foreach (var task in suite.Tasks)
        {
            var report = await AsCandidate(task);
            var comparable = report.Status != DifferentialStatus.NotComparable;
            var t = totals.GetValueOrDefault(name);
            totals[name] = (t.All + 1, t.Comparable + (comparable ? 1 : 0), t.FalsePositives + (report.Status == DifferentialStatus.Disagrees ? 1 : 0));
            var reason = (report.Status == DifferentialStatus.Disagrees ? $"FALSE POSITIVE: {report.Counterexample}" : report.Reason) + (report.Config is { } config ? $" [config: {config}]" : "");
            lines.Add(string.Join('\t', name, task.Id, comparable ? "yes" : "no", report.Status, report.Cases, report.Compared, report.Invalid, report.Duration.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture), reason.Replace('\t', ' ').Replace('\n', ' ')));
            Console.WriteLine($"{name} {task.Id}: {report.Status} {report.Compared}/{report.Cases} {report.Duration.TotalSeconds:F1}s {reason}");
        }
        foreach (var u in suite.Unsupported)
        {
            var t = totals.GetValueOrDefault(name);
            totals[name] = (t.All + 1, t.Comparable, t.FalsePositives);
            lines.Add(string.Join('\t', name, u.Id, "no", "NotLoadable", 0, 0, 0, "0", $"the task does not load: {u.Reason}".Replace('\t', ' ')));
        }
    }
    foreach (var (name, t) in totals)
    {
        var line = $"{name}: {t.Comparable} of {t.All} comparable, {t.FalsePositives} false positive(s) on the references";
        lines.Insert(2 + totals.Keys.ToList().IndexOf(name), "# " + line);
        Console.WriteLine(line);
    }
    File.WriteAllLines(outFile, lines);
    Console.WriteLine($"written {outFile}");
}
else if (mode == "timing")
{
    var count = int.Parse(Arg("--tasks") ?? "10", CultureInfo.InvariantCulture);
    var verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    var sample = new List<TaskSpec>();
    var only = Arg("--suite");
    var chosen = only is null ? suites.Take(2).ToArray() : suites.Where(x => x.Name == only).ToArray();
    if (chosen.Length == 0)
    {
        throw new ArgumentException($"no suite named {only}; known: {string.Join(", ", suites.Select(x => x.Name))}");
    }
    foreach (var (_, path) in chosen)
    {
        sample.AddRange(TaskSuites.Load(path).Tasks.Where(t => t.Runner.Packages.Count == 0 && !t.Tags.Contains("deprecated")).Where(t => DifferentialTester.Precondition(t) is null).Take(only is null ? count / 2 : count));
    }
    var added = new List<double>();
    var verify = new List<double>();
    // The same, over the tasks that were compared: a task found not comparable costs only the harvest.
    var addedCompared = new List<double>();
    var verifyCompared = new List<double>();
    var rows = new List<string> { "# schema crucible.differential-timing 1", "suite\ttask\tverify_seconds\tdifferential_seconds\tratio\tstatus\tcompared\tcases" };
    foreach (var task in sample)
    {
        var ws = Path.Combine(Path.GetTempPath(), $"crucible-bench-diff-{Guid.NewGuid():N}");
        try
        {
            Workspaces.Materialize(task, ws, task.ReferenceFiles);
            var clock = Stopwatch.StartNew();
            var verdict = await verifier.VerifyAsync(task, ws);
            verify.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            var report = await tester.CompareAsync(task, ws);
            added.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"{task.Id}: verify {verify[^1]:F2}s ({verdict.Status}), differential {added[^1]:F2}s ({report.Status}, {report.Compared}/{report.Cases} compared)");
            if (report.Status != DifferentialStatus.NotComparable)
            {
                addedCompared.Add(added[^1]);
                verifyCompared.Add(verify[^1]);
            }
            rows.Add(string.Join('\t', task.Language, task.Id, verify[^1].ToString("F2", CultureInfo.InvariantCulture), added[^1].ToString("F2", CultureInfo.InvariantCulture),
                (added[^1] / verify[^1]).ToString("F2", CultureInfo.InvariantCulture), report.Status, report.Compared, report.Cases));
        }
        finally
        {
            Workspaces.DeleteTree(ws);
        }
    }
    var summary = new[]
    {
        $"differential, added per verification: median {Percentile(added, 0.5):F2}s, p95 {Percentile(added, 0.95):F2}s",
        $"verification alone (baseline, same run): median {Percentile(verify, 0.5):F2}s, p95 {Percentile(verify, 0.95):F2}s",
        $"ratio of medians (added / baseline): {Percentile(added, 0.5) / Percentile(verify, 0.5):F2}; ratio of p95s: {Percentile(added, 0.95) / Percentile(verify, 0.95):F2}",
        $"comparable tasks only ({addedCompared.Count}): added median {Percentile(addedCompared, 0.5):F2}s, p95 {Percentile(addedCompared, 0.95):F2}s; verification median {Percentile(verifyCompared, 0.5):F2}s, p95 {Percentile(verifyCompared, 0.95):F2}s; ratio of medians {Percentile(addedCompared, 0.5) / Percentile(verifyCompared, 0.5):F2}",
    };
    foreach (var line in summary)
    {
        Console.WriteLine(line);
    }
    rows.InsertRange(2, summary.Select(l => "# " + l));
    var timingFile = Arg("--out") ?? Path.Combine(repo, "bench", "differential", only is null ? "timing.tsv" : $"timing-{only}.tsv");
    File.WriteAllLines(timingFile, rows);
    Console.WriteLine($"written {timingFile}");
}

else if (mode == "candidates")
{
    var root = Path.Combine(repo, "tests", "differential-candidates");
    var verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    int correct = 0, falsePositives = 0, cheats = 0, caught = 0, cheatsPassingVisible = 0;
    foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Where(d => Path.GetRelativePath(root, d).Split('/').Length == 3 && (Arg("--filter") is not { } only || Path.GetRelativePath(root, d).StartsWith(only, StringComparison.Ordinal))).Order(StringComparer.Ordinal))
    {
        var parts = Path.GetRelativePath(root, dir).Split('/');
        var taskDir = parts[0] == "csharp"
            ? Path.Combine(shared, "benchmarks", "exercism-csharp", "exercises", "practice", parts[1])
            : Path.Combine(shared, "benchmarks", "aider-polyglot", parts[0], "exercises", "practice", parts[1]);
        var task = TaskSuites.Load(taskDir).Tasks.Single();
        var ws = Path.Combine(Path.GetTempPath(), $"crucible-bench-diff-{Guid.NewGuid():N}");
        try
        {
            Workspaces.Materialize(task, ws);
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                File.Copy(file, Path.Combine(ws, Path.GetFileName(file)), overwrite: true);
            }
            var verdict = await verifier.VerifyAsync(task, ws);
            var report = await tester.CompareAsync(task, ws);
            var isCheat = parts[2].StartsWith("cheat-", StringComparison.Ordinal);
            if (isCheat)
            {
                cheats++;
                cheatsPassingVisible += verdict.Status == Crucible.Core.Verification.VerdictStatus.Passed ? 1 : 0;
                caught += report.Status == DifferentialStatus.Disagrees ? 1 : 0;
            }
            else
            {
                correct++;
                falsePositives += report.Status == DifferentialStatus.Disagrees ? 1 : 0;
            }
            Console.WriteLine($"{string.Join('/', parts)}: visible tests {verdict.Status} ({verdict.Counts.Passed}/{verdict.Counts.Expected}), differential {report.Status} ({report.Compared} compared, {report.Invalid} invalid{(report.RejectedByContract > 0 ? $", {report.RejectedByContract} outside the input contracts" : "")}{(report.Config is { } config ? $"; config {config}" : "")}){(report.Counterexample is { } c ? $" counterexample {c.Call} expected {c.Expected} got {c.Got}" : "")}{(report.Status == DifferentialStatus.NotComparable ? $" ({report.Reason})" : "")}");
        }
        finally
        {
            Workspaces.DeleteTree(ws);
        }
    }
    Console.WriteLine($"correct candidates: {correct}, false positives: {falsePositives}");
    Console.WriteLine($"cheating candidates: {cheats}, passing the visible tests: {cheatsPassingVisible}, flagged: {caught}");
}

async Task<DifferentialReport> AsCandidate(TaskSpec task)
{
    if (DifferentialTester.Precondition(task) is { } reason)
    {
        return DifferentialReport.NotComparable(task.Id, reason);
    }
    var ws = Path.Combine(Path.GetTempPath(), $"crucible-bench-diff-{Guid.NewGuid():N}");
    try
    {
        Workspaces.Materialize(task, ws, task.ReferenceFiles);
        return await tester.CompareAsync(task, ws);
    }
    finally
    {
        Workspaces.DeleteTree(ws);
    }
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return 0;
    }
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRepo()
{
    var dir = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(dir, "Crucible.slnx")))
    {
        dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("run from inside the repository");
    }
    return dir;
}

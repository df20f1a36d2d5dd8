// The viewer's time to first render and memory for a run of --attempts attempts (default 1,000: 100 tasks x 10).
//
//   dotnet run -c Release --project bench/Crucible.Bench.Viewer -- [--attempts N] [--repeats N]
//
// The run is written by SyntheticRuns (the viewer tests' writer): database rows, and per attempt a verdict.json, a
// three-step trajectory.jsonl and a candidate file, as `crucible eval` lays them out.
// Baseline: reading the store raw, what any viewer must at least do for the run page: every result row from SQLite
// and every attempt's verdict.json as bytes.
// Measured against it:
//   - the run page's document (RunCatalog.Run: rows, per-task figures, charts, tokens from every verdict.json);
//   - first render over HTTP: GET / and the two documents the run page loads (/api/runs, /api/runs/ID);
//   - first render in a browser (Debian's chromium through Playwright, when /usr/bin/chromium exists): navigation to
//     the run page until its task table has every task;
//   - the static report of the whole run (every attempt inlined): time and size;
//   - one attempt's document (trajectory, diff, verdict).
// Memory: bytes allocated by each, and the process's peak working set.
using System.Diagnostics;
using Crucible.Flywheel.Storage;
using Crucible.Viewer;
using Crucible.Viewer.Tests;

var attempts = ArgInt("--attempts", 1000);
var repeats = ArgInt("--repeats", 5);
const int AttemptsPerTask = 10;
var tasks = Math.Max(1, attempts / AttemptsPerTask);
var temp = Path.Combine(Path.GetTempPath(), $"crucible-bench-viewer-{Guid.NewGuid():N}");
Directory.CreateDirectory(temp);
try
{
    var db = Path.Combine(temp, "crucible.db");
    var clock = Stopwatch.StartNew();
    using (var store = new ResultStore(db))
    {
        await SyntheticRuns.CreateAsync(store, Path.Combine(temp, "runs"), "bench-run", tasks, AttemptsPerTask, (t, a) => (t + a) % 3 != 0);
    }
    Console.WriteLine($"synthetic run: {tasks} tasks x {AttemptsPerTask} attempts = {tasks * AttemptsPerTask} attempts, written in {clock.Elapsed.TotalSeconds:F1} s");

    using var catalog = new RunCatalog(db);
    var baseline = Measure("baseline: raw store read (SQLite rows + every verdict.json)", repeats, () =>
    {
        using var raw = new ResultStore(db);
        var results = raw.Results("bench-run");
        long bytes = 0;
        foreach (var r in results)
        {
            bytes += File.ReadAllBytes(Path.Combine(temp, "runs", "bench-run", "tasks", r.TaskId, r.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), "verdict.json")).Length;
        }
        return bytes;
    });
    var rows = new List<(string Name, Stats Stats)>
    {
        ("run page document (RunCatalog.Run)", Measure("run document", repeats, () => catalog.Run("bench-run")!.Tasks.Count)),
        ("one attempt document (trajectory, diff, verdict)", Measure("attempt document", repeats, () => catalog.Attempt("bench-run", SyntheticRuns.TaskId(0), 0)!.Steps.Count)),
    };

    await using (var server = ViewerServer.Start(catalog, ViewerOptions.Default))
    {
        using var http = new HttpClient();
        rows.Add(("first render over HTTP (page + 2 documents)", Measure("http first render", repeats, () =>
        {
            long n = 0;
            foreach (var path in new[] { "", "api/runs", "api/runs/bench-run" })
            {
                n += http.GetByteArrayAsync(new Uri(server.Address, path)).GetAwaiter().GetResult().Length;
            }
            return n;
        })));
        if (File.Exists("/usr/bin/chromium"))
        {
            rows.Add(("first render in chromium (run page, every task row)", await BrowserFirstRender(new Uri(server.Address, "#/run/bench-run"), tasks, repeats)));
        }
        else
        {
            Console.WriteLine("(no /usr/bin/chromium: browser first render skipped)");
        }
    }
    var report = Path.Combine(temp, "report.html");
    rows.Add(("static report of the run (every attempt inlined)", Measure("static report", Math.Min(repeats, 3), () =>
    {
        StaticReport.Write(catalog, "bench-run", report);
        return new FileInfo(report).Length;
    })));

    Console.WriteLine();
    Console.WriteLine($"{"",-55} {"median ms",10} {"x baseline",10} {"alloc MB",10} {"x baseline",10}");
    Print(("baseline: raw store read", baseline), baseline);
    foreach (var row in rows)
    {
        Print(row, baseline);
    }
    Console.WriteLine();
    Console.WriteLine($"static report size: {new FileInfo(report).Length / 1024.0 / 1024.0:F1} MB for {tasks * AttemptsPerTask} attempts");
    Console.WriteLine($"peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MB");
}
finally
{
    Directory.Delete(temp, recursive: true);
}

static void Print((string Name, Stats Stats) row, Stats baseline) =>
    Console.WriteLine($"{row.Name,-55} {row.Stats.MedianMs,10:F1} {row.Stats.MedianMs / baseline.MedianMs,10:F2} {row.Stats.AllocatedBytes / 1024.0 / 1024.0,10:F1} {(double)row.Stats.AllocatedBytes / Math.Max(1, baseline.AllocatedBytes),10:F2}");

static Stats Measure(string name, int repeats, Func<long> work)
{
    work(); // warm-up: JIT, SQLite page cache, file cache
    var times = new List<double>();
    long allocated = 0;
    for (var i = 0; i < repeats; i++)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        work();
        times.Add(sw.Elapsed.TotalMilliseconds);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    }
    times.Sort();
    Console.Error.WriteLine($"  {name}: {string.Join(", ", times.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    return new Stats(times[times.Count / 2], allocated);
}

static async Task<Stats> BrowserFirstRender(Uri url, int tasks, int repeats)
{
    using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
    var times = new List<double>();
    double heap = 0;
    for (var i = 0; i <= repeats; i++)
    {
        var page = await browser.NewPageAsync();
        var sw = Stopwatch.StartNew();
        await page.GotoAsync(url.AbsoluteUri);
        await page.Locator("[data-testid=tasks] tbody tr").Nth(tasks - 1).WaitForAsync();
        if (i > 0)
        {
            times.Add(sw.Elapsed.TotalMilliseconds); // the first navigation warms the server and the browser
            heap = Math.Max(heap, await page.EvaluateAsync<double>("performance.memory ? performance.memory.usedJSHeapSize : 0"));
        }
        await page.CloseAsync();
    }
    times.Sort();
    Console.Error.WriteLine($"  chromium first render: {string.Join(", ", times.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    // The browser's memory is its JavaScript heap after the render, not .NET allocations: shown in the same column.
    return new Stats(times[times.Count / 2], (long)heap);
}

static int ArgInt(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

internal sealed record Stats(double MedianMs, long AllocatedBytes);

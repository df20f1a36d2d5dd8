namespace Crucible.Viewer;

/// <summary>
/// Every document of one run, keyed as the front-end asks for them: <c>kind</c> and its arguments joined by newlines
/// (<c>runs</c>; <c>run\nID</c>; <c>task\nID\nTASK</c>; <c>attempt\nID\nTASK\nN</c>).
/// </summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Report"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="Start">The page's first view (a hash route).</param>
/// <param name="Documents">The documents.</param>
public sealed record ReportData(string Schema, int Version, string Start, IReadOnlyDictionary<string, object> Documents);

/// <summary><c>crucible eval report RUN --html FILE</c>: the viewer's pages of one run as one self-contained HTML file.</summary>
public static class StaticReport
{
    /// <summary>The documents of run <paramref name="runId"/>, or null when there is no such run.</summary>
    public static ReportData? Data(RunCatalog catalog, string runId)
    {
        if (catalog.Report(runId) is not { } report)
        {
            return null;
        }
        var id = report.Run.Id;
        var run = RunCatalog.Run(report);
        var docs = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["runs"] = new RunList(ViewSchemas.Runs, ViewSchemas.Version, [run.Row]),
            [Key("run", id)] = run,
        };
        foreach (var task in report.Tasks)
        {
            docs[Key("task", id, task.TaskId)] = RunCatalog.Task(report, task);
        }
        foreach (var attempt in catalog.Attempts(id))
        {
            docs[Key("attempt", id, attempt.TaskId, attempt.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture))] = attempt;
        }
        return new ReportData(ViewSchemas.Report, ViewSchemas.Version, $"#/run/{Uri.EscapeDataString(id)}", docs);
    }

    /// <summary>Writes the report of <paramref name="runId"/> to <paramref name="path"/>; false when there is no such run.</summary>
    public static bool Write(RunCatalog catalog, string runId, string path)
    {
        if (Data(catalog, runId) is not { } data)
        {
            return false;
        }
        var html = ViewerPage.Html($"Crucible run {data.Documents.Keys.First(k => k.StartsWith("run\n", StringComparison.Ordinal))[4..]}", data);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        // Write beside the target and move it into place: a reader never sees half a report.
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, html);
        File.Move(temp, path, overwrite: true);
        return true;
    }

    /// <summary>The key of a document.</summary>
    public static string Key(string kind, params string[] args) => string.Join('\n', [kind, .. args]);
}

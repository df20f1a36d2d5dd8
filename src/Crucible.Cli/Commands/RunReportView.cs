using System.Globalization;
using Crucible.Flywheel.Eval;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>Renders a <see cref="RunReport"/> and a <see cref="RunComparison"/> as tables (used by <c>eval</c>, <c>runs show</c> and <c>eval compare</c>).</summary>
internal static class RunReportView
{
    public static void Render(CliContext context, RunReport r, bool costKnown = true)
    {
        var o = context.Out;
        var c = r.Counts;
        var summary = new Table().Title($"[bold]run {Markup.Escape(r.Run.Id)}[/] ({Markup.Escape(r.Run.Status)})")
            .AddColumn("attempts").AddColumn("graded").AddColumn("passed").AddColumn("pass rate").AddColumn("not counted").AddColumn("median").AddColumn("p95");
        summary.AddRow(
            c.Total.ToString(CultureInfo.InvariantCulture),
            c.Graded.ToString(CultureInfo.InvariantCulture),
            c.Passed.ToString(CultureInfo.InvariantCulture),
            Pct(c.PassRate),
            c.Excluded == 0 ? "0" : $"[yellow]{c.ModelErrors} model, {c.HarnessErrors} harness error(s)[/]",
            Seconds(r.Usage.MedianAttemptMs),
            Seconds(r.Usage.P95AttemptMs));
        o.Write(summary);
        if (r.PassAtK.Count > 0)
        {
            var pk = new Table().AddColumn("metric").AddColumn("value").AddColumn("95% CI (bootstrap over tasks)").AddColumn("tasks");
            foreach (var p in r.PassAtK)
            {
                pk.AddRow($"pass@{p.K}", Pct(p.Estimate.Value), $"{Pct(p.Estimate.Low)} – {Pct(p.Estimate.High)}", p.Tasks.ToString(CultureInfo.InvariantCulture));
            }
            o.Write(pk);
        }
        o.MarkupLine("outcomes: " + Markup.Escape(string.Join(", ", r.ByOutcome.Where(k => k.Value > 0).Select(k => $"{k.Key} {k.Value}"))));
        var u = r.Usage;
        var cost = !costKnown ? "cost unknown (no price for this model; add one to the price table, see docs/models.md)" : $"${u.CostUsd.ToString("F4", CultureInfo.InvariantCulture)} (${u.CostPerTaskUsd.ToString("F4", CultureInfo.InvariantCulture)}/task)";
        o.MarkupLine(Markup.Escape($"per task: {u.TokensPerTask:F0} tokens, {Seconds(u.WallTimePerTaskMs)} wall · tokens {u.Tokens.TotalInputTokens} in / {u.Tokens.OutputTokens} out, cache-read share {Pct(u.CacheReadShare)} · {cost}"));
    }

    public static void Render(CliContext context, RunComparison cmp)
    {
        var o = context.Out;
        var changed = cmp.Tasks.Where(t => t.Change != TaskChange.Same).ToList();
        if (changed.Count > 0)
        {
            var table = new Table().Title("[bold]changed tasks[/]").AddColumn("task").AddColumn("A pass@1").AddColumn("B pass@1").AddColumn("change");
            foreach (var t in changed)
            {
                table.AddRow(Markup.Escape(t.TaskId), Pct(t.PassA), Pct(t.PassB), t.Change == TaskChange.Gained ? "[green]gained[/]" : "[red]lost[/]");
            }
            o.Write(table);
        }
        var d = cmp.Difference;
        o.MarkupLine(Markup.Escape($"A {cmp.A.Id}: {Pct(cmp.PassRateA)} · B {cmp.B.Id}: {Pct(cmp.PassRateB)} over {cmp.Tasks.Count} shared task(s)"));
        o.MarkupLine(Markup.Escape($"gained {cmp.Gained}, lost {cmp.Lost}, same {cmp.Same}; difference B - A {Signed(d.Value)} (95% paired CI {Signed(d.Low)} – {Signed(d.High)})"));
        o.MarkupLine(Markup.Escape($"McNemar exact test on pass@1: {cmp.McNemar.OnlyA} pair(s) passed only in A, {cmp.McNemar.OnlyB} only in B, p = {cmp.McNemar.PValue.ToString("G4", CultureInfo.InvariantCulture)}"));
        o.MarkupLine(Markup.Escape($"cost ratio B/A: {Ratio(cmp.CostRatio)} · time ratio B/A (per task): {Ratio(cmp.TimeRatio)}"));
        if (cmp.OnlyInA.Count + cmp.OnlyInB.Count > 0)
        {
            o.MarkupLine(Markup.Escape($"not compared: {cmp.OnlyInA.Count} task(s) only in A, {cmp.OnlyInB.Count} only in B"));
        }
    }

    private static string Pct(double x) => (x * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Signed(double x) => (x >= 0 ? "+" : "") + (x * 100).ToString("F1", CultureInfo.InvariantCulture) + " pts";

    private static string Seconds(double ms) => (ms / 1000).ToString("F2", CultureInfo.InvariantCulture) + "s";

    private static string Ratio(double? r) => r is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a";
}

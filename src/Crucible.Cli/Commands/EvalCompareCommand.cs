using System.CommandLine;
using Crucible.Core;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible eval compare RUN_A RUN_B [--json]</c>: two stored runs task by task.</summary>
internal static class EvalCompareCommand
{
    public static Command Create(CliContext context)
    {
        var a = new Argument<string>("RUN_A") { Description = "The baseline run id (or a unique prefix)" };
        var b = new Argument<string>("RUN_B") { Description = "The run compared with it" };
        var json = new Option<bool>("--json") { Description = $"Print the comparison as JSON ({RunComparison.SchemaName} v{RunComparison.CurrentVersion})" };
        var command = new Command("compare", "Compare two runs task by task: gained, lost, same; the pass-rate difference with a paired CI, McNemar's exact test, cost and time ratios.")
        {
            a, b, json,
        };
        context.SetAction(command, (parse, ct) =>
        {
            using var store = new ResultStore(context.DatabasePath);
            var reportA = Load(store, parse.GetValue(a)!, context);
            var reportB = Load(store, parse.GetValue(b)!, context);
            var comparison = RunComparison.Build(reportA, reportB);
            if (parse.GetValue(json))
            {
                context.Out.Profile.Out.Writer.WriteLine(comparison.ToJson());
            }
            else
            {
                RunReportView.Render(context, comparison);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    internal static RunReport Load(ResultStore store, string id, CliContext context) =>
        RunReport.FromStore(store, id) ?? throw new BadInputException($"no run '{id}' in {context.DatabasePath}", "see the run ids with 'crucible runs list'");
}

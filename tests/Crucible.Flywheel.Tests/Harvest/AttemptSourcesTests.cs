using System.Text.Json.Nodes;
using Crucible.Constitution.Loading;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Harvest;
using Crucible.Flywheel.Storage;
using Crucible.Testing;

namespace Crucible.Flywheel.Tests.Harvest;

public sealed class AttemptSourcesTests : IDisposable
{
    private readonly TempDirectory _dir = new("harvest-sources");

    public void Dispose() => _dir.Dispose();

    private static StoredResult Result(string task, int attempt, int sample, VerdictStatus status, AttemptOutcome outcome) =>
        new("r1", task, attempt, "completed", new Verdict { TaskId = task, Status = status, Sandbox = "test" }, TimeSpan.FromSeconds(1), null)
        {
            Outcome = outcome,
            Sample = sample,
        };

    [Fact]
    public async Task Eval_attempts_carry_their_taxonomy_outcome_and_sample_into_the_records_and_model_or_harness_errors_are_not_harvested()
    {
        using var store = new ResultStore(Path.Combine(_dir.Path, "crucible.db"));
        var run = new StoredRun("r1", Path.Combine(_dir.Path, "no-suite"), "model", """{"model":"scripted:m"}""", Path.Combine(_dir.Path, "runs", "r1"), DateTimeOffset.UtcNow, null, "created");
        await store.CreateRunAsync(run);
        await store.AddResultAsync(Result("a", 0, 0, VerdictStatus.Passed, AttemptOutcome.Passed));
        await store.AddResultAsync(Result("a", 1, 0, VerdictStatus.Failed, AttemptOutcome.TestsFailed));
        await store.AddResultAsync(Result("a", 2, 1, VerdictStatus.Passed, AttemptOutcome.IntegrityFlagged));
        await store.AddResultAsync(Result("b", 0, 0, VerdictStatus.HarnessError, AttemptOutcome.ModelError));
        await store.AddResultAsync(Result("b", 1, 1, VerdictStatus.HarnessError, AttemptOutcome.HarnessError));
        await store.AddResultAsync(Result("b", 2, 2, VerdictStatus.BuildFailed, AttemptOutcome.SolverError));

        var attempts = AttemptSources.FromRun(store, store.FindRun("r1")!);

        Assert.Equal(
        [
            ("a", 0, "passed", 0),
            ("a", 1, "tests-failed", 0),
            ("a", 2, "integrity-flagged", 1),
            ("b", 2, "solver-error", 2),
        ], attempts.Select(a => (a.TaskId, a.Attempt, a.Outcome, a.Sample)));

        var context = new HarvestContext(ConstitutionLoader.Default, HarvestRecord.Sha256(ConstitutionLoader.DefaultText), "1.0.0");
        var out_ = Path.Combine(_dir.Path, "dataset");
        await new Harvester(new HarvestOptions { OutputDirectory = out_, WorkDirectory = _dir.Path }, context).RunAsync(attempts, ct: TestContext.Current.CancellationToken);
        var records = File.ReadAllLines(Path.Combine(out_, "records", "records.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.All(records, r => Assert.Equal(HarvestRecord.Version, (int)r["schemaVersion"]!));
        // Attempts without a transcript have equal (empty) responses, so one record per task is kept: the first.
        var provenance = records.Select(r => r["provenance"]!).Select(p => ((string)p["taskId"]!, (int)p["attempt"]!, (string?)p["outcome"], (int)p["sample"]!)).ToList();
        Assert.Equal([("a", 0, "passed", 0), ("b", 2, "solver-error", 2)], provenance);
        var kto = Directory.EnumerateFiles(Path.Combine(out_, "kto", "data"), "*.jsonl").SelectMany(File.ReadAllLines).Select(l => JsonNode.Parse(l)!["metadata"]!).ToList();
        Assert.Equal(["passed", "solver-error"], kto.Select(m => (string)m["outcome"]!).Order(StringComparer.Ordinal));
        Assert.Equal([0, 2], kto.Select(m => (int)m["sample"]!).Order());
    }
}

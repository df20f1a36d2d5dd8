using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Testing;
using Microsoft.Data.Sqlite;

namespace Crucible.Flywheel.Tests.Storage;

public sealed class ResultStoreMigrationTests : IDisposable
{
    private readonly TempDirectory _dir = new("store-migration");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_database_written_before_the_taxonomy_opens_and_its_attempts_get_the_outcome_their_verdict_implies()
    {
        var path = Path.Combine(_dir.Path, "old.db");
        // The first schema, as an older Crucible wrote it, with one passed and one build-failed attempt.
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE eval_runs(id TEXT PRIMARY KEY, suite TEXT NOT NULL, solver TEXT NOT NULL, options_json TEXT NOT NULL,
                  folder TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL);
                CREATE TABLE eval_results(run_id TEXT NOT NULL REFERENCES eval_runs(id), task_id TEXT NOT NULL, attempt INTEGER NOT NULL,
                  status TEXT NOT NULL, counts_as_pass INTEGER NOT NULL, solver_status TEXT NOT NULL,
                  duration_ms INTEGER NOT NULL, cost_usd REAL, verdict_json TEXT NOT NULL, finished_at TEXT NOT NULL,
                  PRIMARY KEY(run_id, task_id, attempt));
                INSERT INTO eval_runs VALUES('old-run', '/suite', 'reference', '{}', '/runs/old-run', '2026-01-01T00:00:00.0000000+00:00', NULL, 'completed');
                INSERT INTO eval_results VALUES('old-run', 'a', 0, 'Passed', 1, 'completed', 1200, NULL, '{"taskId":"a","status":"Passed","sandbox":"bubblewrap"}', '2026-01-01T00:00:01.0000000+00:00');
                INSERT INTO eval_results VALUES('old-run', 'b', 0, 'BuildFailed', 0, 'completed', 800, 0.5, '{"taskId":"b","status":"BuildFailed","sandbox":"bubblewrap"}', '2026-01-01T00:00:02.0000000+00:00');
                """;
            cmd.ExecuteNonQuery();
        }

        using var store = new ResultStore(path);
        var results = store.Results("old-run");

        Assert.Equal(
            [("a", AttemptOutcome.Passed, 0, true), ("b", AttemptOutcome.BuildFailed, 0, false)],
            results.Select(r => (r.TaskId, r.Outcome, r.Sample, r.CountsAsPass)).ToList());
        // The migrated database takes new rows with every new column.
        var usage = new UsageTotals(new TokenUsage(100, 20, CacheReadTokens: 300), 0.25m, 2);
        await store.AddResultAsync(new StoredResult("old-run", "c", 3, "error", new Verdict { TaskId = "c", Status = VerdictStatus.HarnessError, Sandbox = "none" }, TimeSpan.FromSeconds(1), 0.25m)
        {
            Outcome = AttemptOutcome.ModelError,
            Sample = 1,
            SolverMessage = "model call failed (ServerError)",
            Usage = usage,
        });
        var c = Assert.Single(store.Results("old-run"), r => r.TaskId == "c");
        Assert.Equal((AttemptOutcome.ModelError, 1, "model call failed (ServerError)", usage, false), (c.Outcome, c.Sample, c.SolverMessage, c.Usage, c.CountsAsPass));
    }
}

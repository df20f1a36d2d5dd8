using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Constitution.Critique;
using Crucible.Constitution.Loading;
using Crucible.Flywheel.Harvest;
using Crucible.Testing.Anthropic;
using Crucible.Testing.Http;
using Crucible.Testing.Harvest;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using DuckDB.NET.Data;
using Json.Schema;

namespace Crucible.Cli.Tests.Harvest;

/// <summary>The must-shows of <c>crucible harvest</c> over 120 real graded attempts (see <see cref="HarvestSuiteFixture"/>).</summary>
public sealed class HarvestSuiteTests(HarvestSuiteFixture f) : IClassFixture<HarvestSuiteFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IEnumerable<string> Jsonl(string format) =>
        Directory.EnumerateFiles(Path.Combine(f.Out, format, "data"), "*.jsonl").Where(p => !p.EndsWith(".provenance.jsonl", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    private IReadOnlyList<JsonObject> Rows(string format) => [.. Jsonl(format).SelectMany(File.ReadAllLines).Select(l => JsonNode.Parse(l)!.AsObject())];

    private IReadOnlyList<JsonObject> Provenance(string format) => [.. Directory.EnumerateFiles(Path.Combine(f.Out, format, "data"), "*.provenance.jsonl").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).Select(l => JsonNode.Parse(l)!.AsObject())];

    private IReadOnlyList<JsonObject> Records() => [.. File.ReadAllLines(Path.Combine(f.Out, "records", "records.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())];

    [Fact]
    public void The_scripted_attempts_were_graded_as_scripted_passes_failures_and_flags()
    {
        Assert.True(f.HarvestExitCode == 0, f.HarvestOutput);
        Assert.Equal(30 * HarvestSuiteFixture.Samples, f.Results.Count);
        Assert.All(f.Results.Where(r => ScriptedAttempts.KindOf(r.Attempt) == ScriptedAttemptKind.Clean), r => Assert.True(r.Verdict.CountsAsPass, $"{r.TaskId}: {r.Verdict.Status} {string.Join("; ", r.Verdict.Reasons)}"));
        Assert.All(f.Results.Where(r => ScriptedAttempts.KindOf(r.Attempt) == ScriptedAttemptKind.GivesUp), r => Assert.False(r.Verdict.CountsAsPass, r.TaskId));
        Assert.All(f.Results.Where(r => ScriptedAttempts.KindOf(r.Attempt) == ScriptedAttemptKind.EarlyExit), r => Assert.Contains(r.Verdict.Integrity, i => i.Rule == "integrity.early-exit"));
    }

    [Fact]
    public void Every_format_is_written_as_parquet_and_jsonl_shards_under_a_dataset_card()
    {
        var card = File.ReadAllText(Path.Combine(f.Out, "README.md"));
        Assert.StartsWith("---\nlicense: other\n", card, StringComparison.Ordinal);
        foreach (var format in DatasetFormats.All)
        {
            var data = Path.Combine(f.Out, format.Name, "data");
            var names = Directory.GetFiles(data).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Contains("train-00000-of-00001.parquet", names);
            Assert.Contains("train-00000-of-00001.jsonl", names);
            Assert.All(names, n => Assert.Matches(@"^(train|test)-\d{5}-of-\d{5}\.(parquet|jsonl|provenance\.jsonl)$", n));
            Assert.Contains($"- config_name: {format.Name}\n  data_files:\n  - split: train\n    path: {format.Name}/data/train-*.parquet\n", card, StringComparison.Ordinal);
            Assert.NotEmpty(Rows(format.Name));
        }
        Assert.Equal(f.Results.Count + f.Revisions, Records().Count + f.Duplicates);
        // The features describe the nested Parquet types in the Hub's YAML: messages is a list of structs.
        Assert.Contains("- config_name: sft-trl\n  features:\n  - name: messages\n    list:\n    - name: role\n      dtype: string\n    - name: content\n      dtype: string\n", card, StringComparison.Ordinal);
        Assert.Contains("      - name: function\n        struct:\n        - name: name\n          dtype: string\n        - name: arguments\n          dtype: string\n", card, StringComparison.Ordinal);
        Assert.Contains("  - name: label\n    dtype: bool\n", card, StringComparison.Ordinal);
    }

    [Fact]
    public void Chosen_is_always_a_verified_pass_whenever_any_attempt_of_the_task_passed_and_two_failures_never_pair()
    {
        var records = Records().ToDictionary(r => (string)r["id"]!);
        var rows = Rows("preference-trl");
        var passedTasks = f.Results.Where(r => r.Verdict.CountsAsPass).Select(r => r.TaskId).ToHashSet();

        Assert.All(rows, row =>
        {
            var m = row["metadata"]!;
            var chosen = records[(string)m["chosen"]!["record_id"]!];
            var rejected = records[(string)m["rejected"]!["record_id"]!];
            Assert.True((bool)chosen["verified"]!);
            Assert.Equal("Passed", (string)chosen["provenance"]!["verdict"]!);
            Assert.True(!(bool)rejected["verified"]! || (string)m["rejected_because"]! is "lower-score" or "judge");
            Assert.Equal((string)chosen["taskId"]!, (string)rejected["taskId"]!);
        });
        // Every task with a pass has pairs, and each task's failures all lose to a pass.
        Assert.Equal(passedTasks.Order(), rows.Select(r => (string)r["metadata"]!["task_id"]!).Distinct().Order());
        Assert.Contains(rows, r => (string)r["metadata"]!["rejected_because"]! == "flagged");
        Assert.Contains(rows, r => (string)r["metadata"]!["rejected_because"]! == "failed");
        Assert.Contains(rows, r => (string)r["metadata"]!["rejected_because"]! == "lower-score" && (string)r["metadata"]!["deciding_principle"]! != "constitution");
        Assert.Equal(rows.Count, Rows("dpo-openai").Count);
    }

    [Fact]
    public void No_flagged_or_failed_attempt_appears_in_sft_and_every_clean_pass_does()
    {
        var records = Records().ToDictionary(r => (string)r["id"]!);
        var sftIds = Rows("sft-trl").Select(r => (string)r["metadata"]!["record_id"]!).ToList();
        var openAiIds = Provenance("sft-openai").Select(r => (string)r["record_id"]!).ToList();

        Assert.Equal(sftIds, openAiIds);
        Assert.All(sftIds, id => Assert.True((bool)records[id]["verified"]! && !(bool)records[id]["flagged"]!, id));
        Assert.DoesNotContain(sftIds, id => ((JsonArray)records[id]["provenance"]!["integrity"]!).Count > 0);
        var flagged = records.Values.Where(r => (bool)r["flagged"]!).Select(r => (string)r["id"]!).ToList();
        Assert.Equal(30, flagged.Count);
        Assert.Empty(sftIds.Intersect(flagged));
        var cleanPasses = records.Values.Count(r => (string)r["source"]! == "eval" && (int)r["provenance"]!["attempt"]! % 4 == 0);
        Assert.True(sftIds.Count >= cleanPasses, $"{sftIds.Count} SFT rows, {cleanPasses} clean passes");
    }

    [Fact]
    public void A_secret_planted_in_a_tool_output_appears_in_no_file_and_the_report_says_where_it_was()
    {
        var secret = ScriptedAttempts.PlantedSecret(HarvestSuiteFixture.SecretSuffix);
        var trajectories = Directory.EnumerateFiles(Path.Combine(f.State, "runs"), "trajectory.jsonl", SearchOption.AllDirectories).ToList();
        // Planted: one attempt in four printed it, and the agent's transcript kept the tool output as it was.
        Assert.Equal(30, trajectories.Count(t => File.ReadAllText(t).Contains(secret, StringComparison.Ordinal)));

        var files = Directory.EnumerateFiles(f.Out, "*", SearchOption.AllDirectories).ToList();
        Assert.All(files, file => Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) >= 0, $"{file} holds the secret"));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.Out, "scrub-report.json")));
        Assert.Equal("crucible.harvest.scrub-report", report.RootElement.GetProperty("schema").GetString());
        var findings = report.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.True(report.RootElement.GetProperty("byKind").GetProperty("a GitHub token").GetInt32() >= 30, report.RootElement.GetProperty("byKind").ToString());
        Assert.Contains(findings, x => x.GetProperty("field").GetString()!.StartsWith("$.messages[", StringComparison.Ordinal) && x.GetProperty("kind").GetString() == "a GitHub token");
    }

    [Fact]
    public void Every_row_of_every_format_matches_an_independent_schema_of_its_upstream_format()
    {
        foreach (var format in DatasetFormats.All)
        {
            var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Harvest", "schemas", format.Name + ".schema.json")));
            foreach (var line in Jsonl(format.Name).SelectMany(File.ReadAllLines))
            {
                using var doc = JsonDocument.Parse(line);
                var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                Assert.True(result.IsValid, $"{format.Name}: {Describe(result)}: {string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}\n{line[..Math.Min(400, line.Length)]}");
            }
        }
    }

    private static string Describe(EvaluationResults r) =>
        string.Join("; ", new[] { r }.Concat(r.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")));

    [Fact]
    public async Task Duckdb_reads_every_parquet_shard_back_as_exactly_the_jsonl_rows_with_nested_lists_and_structs()
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        await db.OpenAsync(Ct);
        var shards = Directory.EnumerateFiles(f.Out, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Directory.EnumerateFiles(f.Out, "*.jsonl", SearchOption.AllDirectories).Count(p => !p.EndsWith(".provenance.jsonl", StringComparison.Ordinal) && !p.Contains("/records/", StringComparison.Ordinal)), shards.Count);
        Assert.All(DatasetFormats.All, format => Assert.Contains(Path.Combine(f.Out, format.Name, "data", "train-00000-of-00001.parquet"), shards));
        foreach (var parquet in shards)
        {
            var expected = File.ReadAllLines(Path.ChangeExtension(parquet, ".jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT * FROM read_parquet('{parquet.Replace("'", "''", StringComparison.Ordinal)}')";
            using var reader = await cmd.ExecuteReaderAsync(Ct);
            var row = 0;
            while (await reader.ReadAsync(Ct))
            {
                var want = expected[row];
                Assert.Equal(want.Select(kv => kv.Key), Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var where = $"{Path.GetRelativePath(f.Out, parquet)} row {row}";
                    SameValue(want[reader.GetName(i)], reader.IsDBNull(i) ? null : reader.GetValue(i), reader.GetName(i), where);
                }
                row++;
            }
            Assert.Equal(expected.Count, row);
        }

        // The shapes a trainer reads: messages as list<struct<role, content, ...>>, provenance as a struct, labels as booleans.
        using var describe = db.CreateCommand();
        describe.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{Path.Combine(f.Out, "sft-trl", "data", "train-00000-of-00001.parquet")}')";
        using var columns = await describe.ExecuteReaderAsync(Ct);
        var types = new Dictionary<string, string>();
        while (await columns.ReadAsync(Ct))
        {
            types[columns.GetString(0)] = columns.GetString(1);
        }
        Assert.Equal(["messages", "tools", "metadata"], types.Keys);
        Assert.StartsWith("STRUCT(\"role\" VARCHAR, \"content\" VARCHAR", types["messages"], StringComparison.Ordinal);
        Assert.EndsWith("[]", types["messages"], StringComparison.Ordinal);
        Assert.Contains("tool_calls STRUCT(\"type\" VARCHAR, \"function\" STRUCT(\"name\" VARCHAR, arguments VARCHAR))[]", types["messages"], StringComparison.Ordinal);
        Assert.Contains("integrity VARCHAR[]", types["metadata"], StringComparison.Ordinal);
        Assert.Contains("verified BOOLEAN", types["metadata"], StringComparison.Ordinal);
    }

    /// <summary>
    /// One JSONL value against what DuckDB read: same kinds all the way down (objects are structs, arrays are lists, strings,
    /// booleans, numbers), a key a row lacks reads back as null (a struct has every row's keys), and only the documented open
    /// shapes (<see cref="ParquetShape.JsonTextPaths"/>) come back as JSON text, equal once parsed.
    /// </summary>
    private static void SameValue(JsonNode? want, object? got, string path, string where)
    {
        var at = $"{where} {path}";
        if (want is null)
        {
            Assert.True(got is null, $"{at}: expected null, read {got}");
            return;
        }
        if (ParquetShape.JsonTextPaths.Contains(path) && want is not JsonValue)
        {
            var text = Assert.IsType<string>(got, exactMatch: false);
            Assert.True(JsonNode.DeepEquals(want, JsonNode.Parse(text)), $"{at}: {text}");
            return;
        }
        switch (want)
        {
            case JsonObject o:
                var fields = Assert.IsAssignableFrom<IDictionary<string, object?>>(got);
                foreach (var (key, value) in fields)
                {
                    SameValue(o[key], value, $"{path}.{key}", where);
                }
                Assert.All(o.Select(kv => kv.Key), key => Assert.True(fields.ContainsKey(key), $"{at}: no field {key}"));
                break;
            case JsonArray a:
                var items = Assert.IsAssignableFrom<System.Collections.IList>(got);
                Assert.True(a.Count == items.Count, $"{at}: {items.Count} item(s), want {a.Count}");
                for (var k = 0; k < a.Count; k++)
                {
                    SameValue(a[k], items[k], path, where);
                }
                break;
            default:
                switch (want.GetValueKind())
                {
                    case JsonValueKind.String:
                        Assert.Equal(want.GetValue<string>(), Assert.IsType<string>(got, exactMatch: false));
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        Assert.Equal(want.GetValue<bool>(), Assert.IsType<bool>(got));
                        break;
                    case JsonValueKind.Number when got is long l:
                        Assert.Equal(want.GetValue<long>(), l);
                        break;
                    case JsonValueKind.Number:
                        Assert.Equal(want.GetValue<double>(), Assert.IsType<double>(got));
                        break;
                    default:
                        Assert.Fail($"{at}: unexpected {want.GetValueKind()}");
                        break;
                }
                break;
        }
    }

    [Fact]
    public void Only_re_verified_revisions_become_data_and_each_kept_round_is_a_critique_revision_row()
    {
        var records = Records();
        var revisions = records.Where(r => (string)r["source"]! == "revision").ToList();
        var byId = records.ToDictionary(r => (string)r["id"]!);
        Assert.NotEmpty(revisions);
        Assert.All(revisions, r =>
        {
            Assert.True((bool)r["verified"]!);
            Assert.StartsWith("python/", (string)r["taskId"]!, StringComparison.Ordinal); // the reviser said "no change" to every C# task
            var original = byId.GetValueOrDefault((string)r["revisedFrom"]!);
            Assert.True(original is null || !(bool)original["verified"]!); // (null: the original was a duplicate of another attempt)
        });
        var rows = Rows("critique-revision");
        Assert.Equal(revisions.Sum(r => ((JsonArray)r["critiques"]!).Count), rows.Count);
        Assert.All(rows, row => Assert.Contains("<file path=", (string)row["revision_response"]!, StringComparison.Ordinal));
        Assert.Contains(f.Reviser.Requests, q => q.AllText.Contains("namespace", StringComparison.Ordinal) || q.AllText.Contains(".cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Judge_labels_are_soft_clamped_and_every_question_is_asked_with_the_positions_swapped()
    {
        var rows = Rows("preference-trl");
        var judged = rows.Where(r => (string)r["metadata"]!["rejected_because"]! == "judge").ToList();
        Assert.True(judged.Count > 0, string.Join(", ", rows.GroupBy(r => (string)r["metadata"]!["rejected_because"]!).Select(g => $"{g.Key} {g.Count()}")));
        Assert.All(judged, r =>
        {
            var m = r["metadata"]!;
            Assert.True((bool)m["judge"]!["clamped"]!);
            Assert.True((bool)m["judge"]!["swappedPositions"]!);
            Assert.InRange((double)m["soft_label"]!, 0.5, 0.6);
        });
        // The judge is asked about every pair of two passes (ties and lower-scored passes); verification decides the rest.
        var twoPasses = rows.Count(r => (bool)r["metadata"]!["rejected"]!["verified"]!);
        var principles = ConstitutionLoader.Default.Principles.Count;
        Assert.Equal(twoPasses * principles * 2, f.Judge.Requests.Count);
        Assert.All(f.Judge.Requests.Chunk(2).Take(principles), pair => Assert.NotEqual(pair[0].AllText, pair[1].AllText)); // A/B swapped
    }

    [Fact]
    public async Task Killing_the_harvest_process_at_random_points_and_garbling_its_state_then_rerunning_it_gives_byte_identical_files()
    {
        var reference = Path.Combine(f.Root, "uninterrupted");
        var clock = Stopwatch.StartNew();
        var whole = await CliProcess.RunAsync(f.Root, "harvest", HarvestSuiteFixture.CSharpRun, HarvestSuiteFixture.PythonRun, "--out", reference, "--state-dir", f.State, "-j", "2");
        var duration = clock.Elapsed;
        Assert.True(whole.ExitCode == 0, whole.Stderr);

        var resumed = Path.Combine(f.Root, "killed");
        var random = new Random(14);
        var kills = 0;
        for (var i = 0; i < 12 && kills < 5; i++)
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = f.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { CliProcess.CliDll, "harvest", HarvestSuiteFixture.CSharpRun, HarvestSuiteFixture.PythonRun, "--out", resumed, "--state-dir", f.State, "-j", "2" })
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(Ct), process.StandardError.ReadToEndAsync(Ct));
            await Task.Delay(TimeSpan.FromMilliseconds(duration.TotalMilliseconds * (0.1 + 0.3 * random.NextDouble())), Ct);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
                kills++;
            }
            await process.WaitForExitAsync(Ct);
            await drain;
        }
        var final = await CliProcess.RunAsync(f.Root, "harvest", HarvestSuiteFixture.CSharpRun, HarvestSuiteFixture.PythonRun, "--out", resumed, "--state-dir", f.State, "-j", "2");

        Assert.True(final.ExitCode == 0, final.Stderr);
        Assert.True(kills >= 5, $"only {kills} kill(s) landed before the harvest finished");
        var want = Directory.EnumerateFiles(reference, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(reference, p)).Order(StringComparer.Ordinal).ToList();
        var got = Directory.EnumerateFiles(resumed, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(resumed, p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(want, got);
        Assert.All(want, rel => Assert.True(File.ReadAllBytes(Path.Combine(reference, rel)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, rel))), rel));

        // A damaged state file (as a disk fault or an outside edit leaves it) is made again, never trusted or duplicated.
        var saved = Directory.EnumerateFiles(Path.Combine(resumed, Harvester.StateFolder, "records"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(saved);
        File.WriteAllBytes(saved[0], File.ReadAllBytes(saved[0])[..40]);
        File.WriteAllText(saved[^1], "{\"record\": [garbled");
        var repaired = await CliProcess.RunAsync(f.Root, "harvest", HarvestSuiteFixture.CSharpRun, HarvestSuiteFixture.PythonRun, "--out", resumed, "--state-dir", f.State, "-j", "2");
        Assert.True(repaired.ExitCode == 0, repaired.Stderr);
        Assert.Equal(want, Directory.EnumerateFiles(resumed, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(resumed, p)).Order(StringComparer.Ordinal));
        Assert.All(want, rel => Assert.True(File.ReadAllBytes(Path.Combine(reference, rel)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, rel))), rel));
    }

    /// <summary>
    /// <c>--batch</c> as a user runs it, over each provider's batch wire protocol (Anthropic Message Batches, the OpenAI
    /// Batch API): a real <c>crucible harvest</c> process is killed with SIGKILL while its batch runs; a rerun with the
    /// stored batch record garbled stops with an error naming the file and the fix (no stack trace, nothing submitted);
    /// with the record back, the next rerun polls that very batch instead of submitting it again, and the revisions and
    /// labels it makes are the ones the direct calls made (same scripted reviser and judge behind the server).
    /// </summary>
    [Theory]
    [InlineData("anthropic")]
    [InlineData("openai")]
    public async Task Batch_harvest_killed_with_sigkill_while_its_batch_runs_resumes_that_batch_and_makes_the_direct_calls_revisions_and_labels(string provider)
    {
        Assert.True(f.HarvestExitCode == 0, f.HarvestOutput);
        const string openAIModel = "gpt-batch-test";
        const string openAIKey = "sk-test-batch-harvest-123";
        var reviser = ScriptedAttempts.Reviser(f.Python.Tasks);
        var judge = ScriptedAttempts.Judge();
        string Answer(string system, IEnumerable<ChatMessage> turns)
        {
            var client = system.Contains(CritiquePrompts.System.Trim()[..30], StringComparison.Ordinal) ? reviser : judge;
            lock (client)
            {
                return client.GetResponseAsync([new(ChatRole.System, system), .. turns]).GetAwaiter().GetResult().Text;
            }
        }
        static string Text(JsonNode? content) => content is JsonArray parts ? string.Concat(parts.Select(p => (string?)p!["text"])) : (string?)content ?? "";
        await using var anthropic = provider == "anthropic" ? await AnthropicWireServer.StartAsync() : null;
        await using var openai = provider == "openai" ? await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = openAIKey, Model = openAIModel }) : null;
        if (anthropic is not null)
        {
            anthropic.BatchResponder = (_, body) => new BatchOutcome.Succeeded(AnthropicReply.MessageBody([new JsonObject { ["type"] = "text", ["text"] = Answer(Text(body["system"]),
                body["messages"]!.AsArray().Select(m => new ChatMessage((string?)m!["role"] == "assistant" ? ChatRole.Assistant : ChatRole.User, Text(m["content"])))) }], "end_turn", new WireUsage(10, 5)));
        }
        else
        {
            openai!.BatchResponder = (_, body) =>
            {
                var messages = body["messages"]!.AsArray();
                var system = string.Concat(messages.Where(m => (string?)m!["role"] is "system" or "developer").Select(m => Text(m!["content"])));
                var turns = messages.Where(m => (string?)m!["role"] is "user" or "assistant").Select(m => new ChatMessage((string?)m!["role"] == "assistant" ? ChatRole.Assistant : ChatRole.User, Text(m!["content"])));
                return new BatchOutcome.Succeeded(OpenAIWireServer.CompletionBody(openAIModel, Answer(system, turns), 10, 5));
            };
        }
        void PollsUntilEnd(int polls)
        {
            if (anthropic is not null)
            {
                anthropic.PollsUntilBatchEnds = polls;
            }
            else
            {
                openai!.PollsUntilBatchEnds = polls;
            }
        }
        IReadOnlyList<Crucible.Testing.Http.ReceivedRequest> Received() => anthropic?.Received ?? openai!.Received;
        var createPath = anthropic is not null ? "/v1/messages/batches" : "/v1/batches";
        List<string> Submitted() => anthropic is not null
            ? [.. Received().Where(r => r.Method == "POST" && r.Path == createPath).SelectMany(c => JsonNode.Parse(c.Body)!["requests"]!.AsArray().Select(r => (string)r!["custom_id"]!))]
            : [.. openai!.BatchInputLines.Select(l => (string)l["custom_id"]!)];
        var launch = new CliLaunch(f.Root)
        {
            Environment = anthropic is not null
                ? new Dictionary<string, string?> { ["ANTHROPIC_BASE_URL"] = anthropic.BaseUrl.ToString(), ["ANTHROPIC_API_KEY"] = "sk-ant-test-key-000" }
                : new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = openai!.BaseUrl.ToString(), ["OPENAI_API_KEY"] = openAIKey },
        };
        var output = Path.Combine(f.Root, "batch-dataset-" + provider);
        string[] args = ["harvest", HarvestSuiteFixture.PythonRun, "--out", output, "--state-dir", f.State, "--revise", "--label", "--batch", "--batch-poll", "0.05",
            "--model", anthropic is not null ? "anthropic:claude-haiku-4-5" : "openai:" + openAIModel, "-j", "2", "--split", "test=0.2"];
        var batches = Path.Combine(output, Harvester.StateFolder, "batch", "batches");

        PollsUntilEnd(int.MaxValue); // the first harvest never sees its batch end
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = f.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }
        foreach (var a in args.Prepend(CliProcess.CliDll))
        {
            start.ArgumentList.Add(a);
        }
        using (var process = Process.Start(start)!)
        {
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(Ct), process.StandardError.ReadToEndAsync(Ct));
            var deadline = DateTime.UtcNow.AddMinutes(8);
            while (!(Directory.Exists(batches) && Directory.EnumerateFiles(batches, "*.batch.json").Any()) && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }
            if (process.HasExited)
            {
                Assert.Fail("the first harvest ended before its batch was stored: " + string.Join("\n", await drain));
            }
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
            await process.WaitForExitAsync(Ct);
            await drain;
        }
        var record = Directory.EnumerateFiles(batches, "*.batch.json").Single();
        var stored = JsonNode.Parse(File.ReadAllText(record))!;
        Assert.Single(Received(), r => r.Method == "POST" && r.Path == createPath);

        // A garbled batch record: a clear error naming the file and the fix, and nothing submitted again.
        var intact = File.ReadAllBytes(record);
        File.WriteAllBytes(record, intact[..(intact.Length / 2)]);
        var garbled = await CliProcess.RunAsync(launch, args);
        Assert.Equal(2, garbled.ExitCode);
        Assert.Contains(record, garbled.Stderr, StringComparison.Ordinal);
        Assert.Contains("fix:", garbled.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", garbled.Stderr, StringComparison.Ordinal);
        Assert.Single(Received(), r => r.Method == "POST" && r.Path == createPath);
        File.WriteAllBytes(record, intact);

        PollsUntilEnd(1);
        var second = await CliProcess.RunAsync(launch, args);

        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Empty(anthropic?.Violations ?? openai!.Violations);
        // The stored batch was polled after the restart; no request was ever submitted twice.
        Assert.Contains(Received(), r => r.Method == "GET" && r.Path.StartsWith(anthropic is not null ? $"/v1/messages/batches/{(string?)stored["batchId"]}/results" : $"/v1/batches/{(string?)stored["batchId"]}", StringComparison.Ordinal));
        var customIds = Submitted();
        Assert.Equal(customIds.Count, customIds.Distinct().Count());
        Assert.True(Received().Count(r => r.Method == "POST" && r.Path == createPath) > 1, "revision rounds and labels need more than one batch");

        var pythonTasks = f.Python.Tasks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var direct = Records().Where(r => (string?)r["source"] == "revision" && pythonTasks.Contains((string)r["taskId"]!)).Select(r => r.ToJsonString()).ToList();
        var batched = File.ReadAllLines(Path.Combine(output, "records", "records.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).Where(r => (string?)r["source"] == "revision").Select(r => r.ToJsonString()).ToList();
        Assert.NotEmpty(batched);
        Assert.Equal(direct, batched);

        var labels = Directory.GetFiles(Path.Combine(output, Harvester.StateFolder, "labels")).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(labels);
        foreach (var label in labels)
        {
            var directLabel = Path.Combine(f.Out, Harvester.StateFolder, "labels", Path.GetFileName(label));
            Assert.True(JsonNode.DeepEquals(WithoutUsage(JsonNode.Parse(File.ReadAllText(directLabel))), WithoutUsage(JsonNode.Parse(File.ReadAllText(label)))), Path.GetFileName(label));
        }
    }

    /// <summary>Token counts differ between the scripted client and the wire server; everything else must not.</summary>
    private static JsonNode? WithoutUsage(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            o.Remove("usage");
            foreach (var (_, child) in o.ToList())
            {
                WithoutUsage(child);
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a)
            {
                WithoutUsage(child);
            }
        }
        return node;
    }
}

using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Tasks;

/// <summary>
/// Reads OpenAI's HumanEval export (<c>HumanEval.jsonl.gz</c> or <c>HumanEval.jsonl</c>, in the folder or its <c>data/</c>):
/// 164 Python function tasks, each graded by pytest through the same sandbox and result-file grading as every Python task.
/// A task's workspace is <c>solution.py</c> (the prompt: imports, helpers and the entry point's signature and docstring,
/// with a body that raises <c>NotImplementedError</c>) and the pristine <c>test_humaneval.py</c>, which imports the solution
/// and runs the problem's own <c>check(candidate)</c> on the entry point as one test. The reference is the prompt plus the
/// canonical solution. Ids are <c>humaneval-000</c> ... <c>humaneval-163</c>; the upstream id is kept as a tag. The data
/// is never modified: files are built in memory.
/// </summary>
public sealed class HumanEvalTaskSource : ITaskSource
{
    /// <summary>The editable file of every task.</summary>
    public const string SolutionFile = "solution.py";

    /// <summary>The pristine test file of every task.</summary>
    public const string TestFile = "test_humaneval.py";

    private static readonly string[] DataNames = ["HumanEval.jsonl.gz", "HumanEval.jsonl"];

    /// <inheritdoc />
    public string Format => "humaneval";

    /// <inheritdoc />
    public bool CanRead(string suitePath) => FindData(suitePath) is not null;

    /// <inheritdoc />
    public TaskSuite Load(string suitePath)
    {
        suitePath = Path.GetFullPath(suitePath);
        var data = FindData(suitePath) ?? throw new TaskLoadException($"no HumanEval.jsonl(.gz) in '{suitePath}' or its data/ folder", "point at the openai-humaneval export folder");
        using var file = File.OpenRead(data);
        using Stream stream = data.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var tasks = new List<TaskSpec>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            HumanEvalProblem problem;
            try
            {
                problem = JsonSerializer.Deserialize<HumanEvalProblem>(line) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                throw new TaskLoadException($"{data}:{lineNumber}: not a HumanEval problem ({e.Message})", "restore the file from the openai/human-eval export", data, lineNumber);
            }
            if (problem.TaskId is null || problem.Prompt is null || problem.EntryPoint is null || problem.CanonicalSolution is null || problem.Test is null)
            {
                throw new TaskLoadException($"{data}:{lineNumber}: a HumanEval problem needs task_id, prompt, entry_point, canonical_solution and test", "restore the file from the openai/human-eval export", data, lineNumber);
            }
            tasks.Add(ToTask(problem, suitePath, data));
        }
        return new TaskSuite(suitePath, Format, [.. tasks.OrderBy(t => t.Id, StringComparer.Ordinal)]);
    }

    private static TaskSpec ToTask(HumanEvalProblem p, string suitePath, string data)
    {
        var number = p.TaskId![(p.TaskId!.LastIndexOf('/') + 1)..];
        var id = int.TryParse(number, System.Globalization.CultureInfo.InvariantCulture, out var n) ? $"humaneval-{n:D3}" : $"humaneval-{number}";
        // The stub keeps the body's indentation (that of the canonical solution), so the file parses and the entry point exists.
        var indent = p.CanonicalSolution!.Split('\n').FirstOrDefault(l => l.Trim().Length > 0) is { } first ? first[..(first.Length - first.TrimStart().Length)] : "    ";
        var prompt = p.Prompt!.EndsWith('\n') ? p.Prompt : p.Prompt + "\n";
        var stub = prompt + indent + "raise NotImplementedError\n";
        var reference = prompt + p.CanonicalSolution;
        var test = $"""
            # {p.TaskId} from openai/human-eval (MIT): the problem's own check() run on the candidate's entry point.
            from solution import *  # noqa: F401,F403 (the checks may use the prompt's imports and helpers)
            from solution import {p.EntryPoint}

            {p.Test!.Trim('\n')}


            def test_{p.EntryPoint}():
                check({p.EntryPoint})

            """;
        return new TaskSpec
        {
            Id = id,
            Language = "python",
            SourcePath = suitePath,
            Format = "humaneval",
            Instructions = $"""
                Implement the Python function `{p.EntryPoint}` in `{SolutionFile}` so that it does what its docstring says.
                Replace the body that raises NotImplementedError; keep the signature. Helper functions and imports already in
                the file may be used. Use only the Python standard library.
                """,
            StartingFiles = [new TaskFile(SolutionFile, data) { Content = stub }, new TaskFile(TestFile, data) { Content = test }],
            TestFiles = [new TaskFile(TestFile, data) { Content = test }],
            ReferenceFiles = [new TaskFile(SolutionFile, data) { Content = reference }],
            Editable = [SolutionFile],
            Runner = new TestRunnerSpec
            {
                Kind = RunnerKinds.Pytest,
                BuildCommand = NativeTaskSource.DefaultBuild(RunnerKinds.Pytest),
                TestCommand = NativeTaskSource.DefaultTest(RunnerKinds.Pytest),
            },
            Tags = [p.TaskId!],
        };
    }

    private static string? FindData(string suitePath) =>
        new[] { suitePath, Path.Combine(suitePath, "data") }
            .SelectMany(dir => DataNames.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    private sealed record HumanEvalProblem(
        [property: System.Text.Json.Serialization.JsonPropertyName("task_id")] string? TaskId,
        [property: System.Text.Json.Serialization.JsonPropertyName("prompt")] string? Prompt,
        [property: System.Text.Json.Serialization.JsonPropertyName("entry_point")] string? EntryPoint,
        [property: System.Text.Json.Serialization.JsonPropertyName("canonical_solution")] string? CanonicalSolution,
        [property: System.Text.Json.Serialization.JsonPropertyName("test")] string? Test);
}

using System.Text;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Testing.Harvest;

/// <summary>What a scripted attempt does (the attempt number modulo 4 picks it).</summary>
public enum ScriptedAttemptKind
{
    /// <summary>Writes the task's reference solution: a clean pass.</summary>
    Clean,
    /// <summary>Prints a planted secret through the shell (a tool output), then writes the reference with commented-out code: a pass with a lower constitution score.</summary>
    SecretAndCommentedCode,
    /// <summary>Gives up without changing anything: a failure.</summary>
    GivesUp,
    /// <summary>Writes the reference plus code that ends the test process: passes the tests but is flagged by the integrity checks.</summary>
    EarlyExit,
}

/// <summary>
/// Test double for the model of a harvest test: a script per task and attempt that makes real tool calls (write,
/// bash) in the agent's workspace. It is not a model and is never offered to users as one.
/// </summary>
public static class ScriptedAttempts
{
    /// <summary>The kind of attempt number <paramref name="attempt"/>.</summary>
    public static ScriptedAttemptKind KindOf(int attempt) => (ScriptedAttemptKind)(attempt % 4);

    /// <summary>The secret an attempt of kind <see cref="ScriptedAttemptKind.SecretAndCommentedCode"/> prints: a GitHub-token shape.</summary>
    public static string PlantedSecret(string suffix) => "ghp_" + suffix;

    /// <summary>The script of one attempt. <paramref name="secretSuffix"/> is printed after <c>ghp_</c> (never sent whole in the call's arguments).</summary>
    public static ScriptedChatClient For(TaskSpec task, int attempt, string secretSuffix)
    {
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 100 } };
        var reference = task.ReferenceFiles.FirstOrDefault() ?? throw new InvalidOperationException($"task {task.Id} has no reference solution");
        var solution = Encoding.UTF8.GetString(Workspaces.ReadTaskFile(reference));
        var python = reference.Path.EndsWith(".py", StringComparison.Ordinal);
        switch (KindOf(attempt))
        {
            case ScriptedAttemptKind.Clean:
                client.ThenCall("write", Args(("path", reference.Path), ("content", solution)), "I will write the solution.");
                client.ThenText("Done: the solution is written.");
                break;
            case ScriptedAttemptKind.SecretAndCommentedCode:
                client.ThenCall("bash", Args(("command", $"printf 'using token ghp_%s\\n' '{secretSuffix}'")), "Checking the environment first.");
                client.ThenCall("write", Args(("path", reference.Path), ("content", solution + (python ? "\n# result = compute(1)\n" : "\n// var unused = Compute(1);\n"))));
                client.ThenText("Done, with a note for later.");
                break;
            case ScriptedAttemptKind.GivesUp:
                client.ThenText("I could not solve this task.");
                break;
            case ScriptedAttemptKind.EarlyExit:
                client.ThenCall("write", Args(("path", reference.Path), ("content", solution + (python
                    ? "\n\ndef _stop():\n    import sys\n    sys.exit(0)\n"
                    : "\n\ninternal static class HarvestStop\n{\n    internal static void Stop() => System.Environment.Exit(0);\n}\n"))));
                client.ThenText("Done.");
                break;
        }
        return client;
    }

    /// <summary>
    /// Test double for the model of the critique → revision loop: it answers every critique request with a critique and
    /// every revision request with the reference solution of the task whose file the request shows, in the revision format.
    /// Thread-safe: revisions of many attempts may share it.
    /// </summary>
    public static ScriptedAnswerChatClient Reviser(IEnumerable<TaskSpec> tasks)
    {
        var references = tasks.Select(t => t.ReferenceFiles[0]).ToList();
        return new ScriptedAnswerChatClient(request =>
        {
            if (request.Messages.Count <= 2)
            {
                return ScriptedChatClient.Text("The candidate does not implement what the instructions ask; the tests fail. Implement the behaviour completely.");
            }
            var prompt = request.Messages[^1].Text;
            var file = references.FirstOrDefault(f => prompt.Contains($"\"{f.Path}\"", StringComparison.Ordinal) || prompt.Contains(f.Path, StringComparison.Ordinal));
            return file is null
                ? ScriptedChatClient.Text("<no-change/>")
                : ScriptedChatClient.Text($"<file path=\"{file.Path}\">\n{Encoding.UTF8.GetString(Workspaces.ReadTaskFile(file)).TrimEnd('\n')}\n</file>");
        });
    }

    /// <summary>Test double for the judge of <c>--label</c>: reasons briefly and always answers <c>(A)</c> (so swapping positions shows its position bias).</summary>
    public static ScriptedAnswerChatClient Judge() =>
        new(_ => ScriptedChatClient.Text("Both candidates are close; the first reads slightly better. The answer is (A)"));

    private static Dictionary<string, object?> Args(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>A solver that builds another solver for each attempt, so a test can script each task and attempt on its own.</summary>
/// <param name="name">The solver's name.</param>
/// <param name="create">Makes the solver of one attempt.</param>
public sealed class PerAttemptSolver(string name, Func<SolveContext, ISolver> create) : ISolver
{
    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default) =>
        create(context).SolveAsync(context, cancellationToken);
}

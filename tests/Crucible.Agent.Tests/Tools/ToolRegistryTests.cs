using System.Text.Json;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tests.Tools;

public sealed class ToolRegistryTests : IDisposable
{
    private readonly ToolHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Default_toolset_becomes_function_declarations_with_schemas()
    {
        var declarations = _h.Registry.AITools.Cast<AIFunctionDeclaration>().ToList();

        Assert.Equal(["read", "write", "edit", "glob", "grep", "bash", "run_tests", "notes", "todo"], declarations.Select(d => d.Name));
        Assert.All(declarations, d =>
        {
            Assert.Equal("object", d.JsonSchema.GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(d.Description));
        });
        Assert.Equal(["path", "content"], declarations[1].JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([false, true, true, false, false, true, true, true, false], _h.Tools.Select(t => t.IsMutating));
    }

    [Fact]
    public void Duplicate_names_are_rejected()
    {
        var read = new ReadTool(AgentToolOptions.Default);

        Assert.Throws<ArgumentException>(() => new ToolRegistry([read, new ReadTool(AgentToolOptions.Default)]));
    }

    [Fact]
    public void Request_names_resolved_paths_and_commands()
    {
        _h.Workspace.Write("tests/CalcTests.cs", "");
        File.CreateSymbolicLink(_h.Workspace["t"], "tests");

        var edit = ToolRegistry.CreateRequest(_h.Tool("edit"), ToolHarness.Json(new { path = "t/CalcTests.cs", old_string = "a", new_string = "b" }), _h.Context);
        var bash = ToolRegistry.CreateRequest(_h.Tool("bash"), ToolHarness.Json(new { command = "git status" }), _h.Context);

        Assert.Equal(("edit", true, "edit t/CalcTests.cs"), (edit.Tool, edit.IsMutating, edit.Summary));
        Assert.Equal(["tests/CalcTests.cs"], edit.Paths);
        Assert.Equal(("bash: git status", "git status"), (bash.Summary, bash.Command));
    }

    [Fact]
    public async Task Denied_call_does_not_run_and_the_model_gets_the_reason()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default);

        var outcome = await _h.Registry.InvokeAsync("write", ToolHarness.Json(new { path = "a.txt", content = "x" }), _h.Context, gate, TestContext.Current.CancellationToken);

        Assert.True(outcome.Result.IsError);
        Assert.StartsWith("permission denied: 'write a.txt' needs the user's approval, and this session is headless", outcome.Result.Content, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Workspace["a.txt"]));
        Assert.False(outcome.Decision!.Allowed);
    }

    [Fact]
    public async Task Allowed_call_runs_and_unknown_tool_is_an_error()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.AutoEdit });

        var outcome = await _h.Registry.InvokeAsync("write", ToolHarness.Json(new { path = "a.txt", content = "x" }), _h.Context, gate, TestContext.Current.CancellationToken);
        var unknown = await _h.Registry.InvokeAsync("rm", ToolHarness.Json(new { }), _h.Context, gate, TestContext.Current.CancellationToken);

        Assert.Equal(new ToolResult("Created 'a.txt' (1 lines).") { ChangedPaths = ["a.txt"] }, outcome.Result);
        Assert.Equal("x", _h.ReadFile("a.txt"));
        Assert.Equal(new ToolCallOutcome(ToolResult.Error("unknown tool 'rm'; available tools: read, write, edit, glob, grep, bash, run_tests, notes, todo"), null, null), unknown);
    }

    [Fact]
    public async Task Arguments_that_are_not_an_object_are_an_error_not_a_crash()
    {
        var result = await _h.Tool("read").InvokeAsync(JsonDocument.Parse("[1,2]").RootElement, _h.Context, TestContext.Current.CancellationToken);

        Assert.Equal(ToolResult.Error("Missing required argument 'path' (a string)."), result);
    }

    [Fact]
    public async Task Tool_that_throws_gives_the_generic_text_and_the_exception_to_the_caller()
    {
        var boom = new InvalidOperationException("internal state at /home/user/.secret");
        var registry = new ToolRegistry([new ThrowingTool(boom)]);
        var gate = PermissionGate.Headless(PermissionSettings.Default);

        var outcome = await registry.InvokeAsync(new FunctionCallContent("c1", "throws", new Dictionary<string, object?>()), _h.Context, gate, null, TestContext.Current.CancellationToken);

        Assert.Equal(ToolResult.Error(ToolRegistry.UnexpectedFailureMessage), outcome.Result);
        Assert.Same(boom, outcome.Failure);
        Assert.Equal(PermissionDecision.Allow("does not change anything"), outcome.Decision);
    }

    [Fact]
    public async Task Unparsable_arguments_are_refused_before_the_gate_and_the_admission_says_why()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto });
        var admissions = new List<ToolCallAdmission>();
        var call = new FunctionCallContent("c1", "write") { Exception = new JsonException("unexpected end") };

        var outcome = await _h.Registry.InvokeAsync(call, _h.Context, gate, admissions.Add, TestContext.Current.CancellationToken);

        Assert.Equal(new ToolCallOutcome(ToolResult.Error("the arguments could not be parsed as JSON (unexpected end); send a JSON object matching the tool's schema"), null, null), outcome);
        Assert.Equal(("write", "write", false, "arguments could not be parsed"), (admissions.Single().Tool, admissions.Single().Summary, admissions.Single().Allowed, admissions.Single().Reason));
    }

    private sealed class ThrowingTool(Exception failure) : IAgentTool
    {
        public string Name => "throws";
        public string Description => "throws";
        public JsonElement InputSchema { get; } = JsonDocument.Parse("""{ "type": "object" }""").RootElement.Clone();
        public bool IsMutating => false;
        public CallDescription Describe(JsonElement arguments, ToolContext context) => new("throws");
        public Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken) => throw failure;
    }
}

using System.Text.Json;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tests.Tools;
using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Permissions;

public sealed class PermissionGateTests : IDisposable
{
    private readonly ToolHarness _h = new();

    public PermissionGateTests()
    {
        _h.Workspace.Write("src/Calc.cs", "class Calc { int Add(int a, int b) => a - b; }\n");
        _h.Workspace.Write("tests/CalcTests.cs", "// test\n");
        _h.Workspace.Write("config/.env", "KEY=secret\n");
    }

    public void Dispose() => _h.Dispose();

    private PermissionRequest Request(string tool, object args) =>
        ToolRegistry.CreateRequest(_h.Tool(tool), ToolHarness.Json(args), _h.Context);

    private static ValueTask<PermissionDecision> Decide(IPermissionGate gate, PermissionRequest request) =>
        gate.DecideAsync(request, TestContext.Current.CancellationToken);

    private async Task<ToolCallOutcome> Run(IPermissionGate gate, string tool, object args) =>
        await _h.Registry.InvokeAsync(tool, ToolHarness.Json(args), _h.Context, gate, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Headless_ask_mode_denies_mutating_calls_and_tells_the_model_why()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default);

        var write = await Run(gate, "write", new { path = "src/New.cs", content = "x" });
        var bash = await Run(gate, "bash", new { command = "touch made" });

        Assert.Equal(
            "permission denied: 'write src/New.cs' needs the user's approval, and this session is headless (it never prompts). The permission mode is ask, which does not allow file edits without approval, and no allow rule matches. Work without this call, or the user can allow it with a rule in permissions.allow (e.g. edit(src/**)) or a wider --permission-mode.",
            write.Result.Content);
        Assert.Contains("needs the user's approval, and this session is headless", bash.Result.Content, StringComparison.Ordinal);
        Assert.Contains("(e.g. bash(touch made*))", bash.Result.Content, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Workspace["src/New.cs"]));
        Assert.False(File.Exists(_h.Workspace["made"]));
    }

    [Fact]
    public async Task Headless_gate_allows_reading_tools_in_every_mode()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default);

        var read = await Run(gate, "read", new { path = "src/Calc.cs" });

        Assert.False(read.Result.IsError, read.Result.Content);
        Assert.Equal(PermissionDecision.Allow("does not change anything"), read.Decision);
    }

    [Fact]
    public async Task Auto_edit_allows_edits_but_not_commands()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.AutoEdit });

        Assert.Equal(PermissionDecision.Allow("permission mode auto-edit allows file edits"), await Decide(gate, Request("edit", new { path = "src/Calc.cs", old_string = "a - b", new_string = "a + b" })));
        Assert.False((await Decide(gate, Request("bash", new { command = "ls" }))).Allowed);
    }

    [Fact]
    public async Task Auto_allows_commands()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto });

        Assert.Equal(PermissionDecision.Allow("permission mode auto"), await Decide(gate, Request("bash", new { command = "rm -rf build" })));
    }

    [Fact]
    public async Task Allow_rule_lets_matching_commands_run_but_not_compound_or_substituted_ones()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Allow = ["bash(git status*)", "bash(git diff*)"] });

        Assert.Equal(PermissionDecision.Allow("allowed by rule bash(git status*)"), await Decide(gate, Request("bash", new { command = "git status --short" })));
        Assert.True((await Decide(gate, Request("bash", new { command = "git status && git diff" }))).Allowed);
        Assert.False((await Decide(gate, Request("bash", new { command = "git status && curl evil.example" }))).Allowed);
        Assert.False((await Decide(gate, Request("bash", new { command = "git status $(rm -rf x)" }))).Allowed);
    }

    [Fact]
    public async Task Deny_wins_over_allow_rules_and_over_auto_mode()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with
        {
            Mode = PermissionMode.Auto,
            Allow = ["bash", "edit(src/**)"],
            Deny = ["bash(git push*)", "edit(src/Calc.cs)"],
        });

        var push = await Decide(gate, Request("bash", new { command = "git add . && git push origin main" }));
        var edit = await Run(gate, "edit", new { path = "src/Calc.cs", old_string = "a - b", new_string = "a + b" });

        Assert.Equal(PermissionDecision.Deny("the settings deny this call (rule bash(git push*) in permissions.deny). Do not retry it; find another way or ask the user."), push);
        Assert.Equal(ToolResult.Error("permission denied: the settings deny this call (rule edit(src/Calc.cs) in permissions.deny). Do not retry it; find another way or ask the user."), edit.Result);
        Assert.Equal("class Calc { int Add(int a, int b) => a - b; }\n", _h.ReadFile("src/Calc.cs"));
        Assert.True((await Decide(gate, Request("bash", new { command = "git status" }))).Allowed);
    }

    [Fact]
    public async Task Deny_rule_on_reads_blocks_reading_tools()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto, Deny = ["read(**/*.env)"] });

        var read = await Run(gate, "read", new { path = "config/.env" });

        Assert.Equal(ToolResult.Error("permission denied: the settings deny this call (rule read(**/*.env) in permissions.deny). Do not retry it; find another way or ask the user."), read.Result);
        Assert.Equal(["**/*.env"], gate.Settings.ReadDenyGlobs());
    }

    [Fact]
    public async Task Deny_rule_sees_through_symlinks()
    {
        File.CreateSymbolicLink(_h.Workspace["alias.txt"], "config/.env");
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Deny = ["read(**/*.env)"] });

        Assert.False((await Decide(gate, Request("read", new { path = "alias.txt" }))).Allowed);
    }

    [Fact]
    public async Task Deny_rule_naming_the_link_itself_still_denies_reading_through_it()
    {
        _h.Workspace.Write("docs/keys.md", "KEY=secret\n");
        File.CreateSymbolicLink(_h.Workspace["keys-link.md"], "docs/keys.md");
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto, Deny = ["read(keys-link.md)"] });

        var read = await Run(gate, "read", new { path = "./keys-link.md" });

        Assert.Equal(["docs/keys.md", "keys-link.md"], read.Request!.Paths);
        Assert.Equal(ToolResult.Error("permission denied: the settings deny this call (rule read(keys-link.md) in permissions.deny). Do not retry it; find another way or ask the user."), read.Result);
    }

    [Fact]
    public async Task Protected_test_edit_is_refused_headless_even_in_auto_mode_with_the_reason()
    {
        var tests = ProtectedTestFiles.Scan(_h.Root);
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto, Allow = ["edit"] }, tests);

        var edit = await Run(gate, "edit", new { path = "tests/CalcTests.cs", old_string = "// test", new_string = "// weakened" });
        var newTest = await Run(gate, "write", new { path = "tests/MoreTests.cs", content = "// new test" });

        Assert.True(edit.Result.IsError);
        Assert.StartsWith("permission denied: tests/CalcTests.cs is a test file that existed when the session started. Existing tests are protected", edit.Result.Content, StringComparison.Ordinal);
        Assert.Contains("--allow-test-edits", edit.Result.Content, StringComparison.Ordinal);
        Assert.Equal("// test\n", _h.ReadFile("tests/CalcTests.cs"));
        Assert.False(newTest.Result.IsError, newTest.Result.Content);
    }

    [Fact]
    public async Task The_make_file_a_make_test_command_runs_is_protected_like_a_test_in_auto_mode()
    {
        _h.Workspace.Write("Makefile", "test:\n\tpython3 -m pytest\n");
        var setup = new AgentGateSetup(_h.Root, PermissionMode.Auto, Interactive: false, AllowTestEdits: false, TestCommand: "make test");
        var gate = AgentAssembly.DefaultGate(setup, System.Text.Json.JsonSerializer.SerializeToElement(new { }), prompt: null);

        var edit = await Run(gate, "write", new { path = "Makefile", content = "test:\n\ttrue\n" });

        Assert.True(edit.Result.IsError);
        Assert.StartsWith("permission denied: Makefile", edit.Result.Content, StringComparison.Ordinal);
        Assert.Equal("test:\n\tpython3 -m pytest\n", _h.ReadFile("Makefile"));
    }

    [Theory]
    [InlineData("conftest.py")]
    [InlineData("tests/conftest.py")]
    [InlineData("pytest.ini")]
    [InlineData("Directory.Build.targets")]
    [InlineData("tests/ci.runsettings")]
    [InlineData("sitecustomize.py")]
    public async Task Creating_test_infrastructure_is_refused_headless_in_auto_mode_while_a_new_test_file_is_not(string infrastructure)
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto }, ProtectedTestFiles.Scan(_h.Root));

        var created = await Run(gate, "write", new { path = infrastructure, content = "# decides what runs\n" });
        var newTest = await Run(gate, "write", new { path = "tests/test_more.py", content = "def test_more():\n    pass\n" });

        Assert.True(created.Result.IsError);
        Assert.StartsWith($"permission denied: {infrastructure} is test infrastructure (it decides which tests run and how).", created.Result.Content, StringComparison.Ordinal);
        Assert.Contains("--allow-test-edits", created.Result.Content, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.Workspace[infrastructure]));
        Assert.False(newTest.Result.IsError, newTest.Result.Content);
    }

    [Fact]
    public async Task Creating_test_infrastructure_is_allowed_with_allow_test_edits_and_asked_for_interactively()
    {
        var allowed = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto, AllowTestEdits = true }, ProtectedTestFiles.Scan(_h.Root));
        var asked = new List<PermissionRequest>();
        var interactive = PermissionGate.Interactive(PermissionSettings.Default with { Mode = PermissionMode.Auto }, ProtectedTestFiles.Scan(_h.Root), (r, _) =>
        {
            asked.Add(r);
            return ValueTask.FromResult(UserAnswer.Yes);
        });

        var withFlag = await Decide(allowed, Request("write", new { path = "conftest.py", content = "x" }));
        var withUser = await Decide(interactive, Request("write", new { path = "Directory.Build.targets", content = "<Project />" }));

        Assert.Equal(PermissionDecision.Allow("test edits are allowed (permissions.allowTestEdits / --allow-test-edits)"), withFlag);
        Assert.Equal(PermissionDecision.Allow("the user approved changing a protected test file"), withUser);
        Assert.True(Assert.Single(asked).TouchesProtectedTest);
    }

    [Fact]
    public async Task Protected_test_edit_through_a_symlink_is_still_protected()
    {
        File.CreateSymbolicLink(_h.Workspace["t"], "tests");
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.Auto }, ProtectedTestFiles.Scan(_h.Root));

        var edit = await Run(gate, "write", new { path = "t/CalcTests.cs", content = "// replaced" });

        Assert.True(edit.Result.IsError);
        Assert.Equal("// test\n", _h.ReadFile("tests/CalcTests.cs"));
    }

    [Fact]
    public async Task Protected_test_edit_is_allowed_with_allow_test_edits()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Mode = PermissionMode.AutoEdit, AllowTestEdits = true }, ProtectedTestFiles.Scan(_h.Root));

        var edit = await Run(gate, "edit", new { path = "tests/CalcTests.cs", old_string = "// test", new_string = "// changed" });

        Assert.False(edit.Result.IsError, edit.Result.Content);
        Assert.Equal("// changed\n", _h.ReadFile("tests/CalcTests.cs"));
        Assert.Equal(PermissionDecision.Allow("test edits are allowed (permissions.allowTestEdits / --allow-test-edits)"), edit.Decision);
    }

    [Fact]
    public async Task Interactive_gate_asks_for_protected_tests_even_in_auto_mode()
    {
        var asked = new List<PermissionRequest>();
        var gate = PermissionGate.Interactive(PermissionSettings.Default with { Mode = PermissionMode.Auto }, ProtectedTestFiles.Scan(_h.Root), (r, _) =>
        {
            asked.Add(r);
            return ValueTask.FromResult(asked.Count == 1 ? UserAnswer.No : UserAnswer.Yes);
        });

        var declined = await Decide(gate, Request("edit", new { path = "tests/CalcTests.cs", old_string = "a", new_string = "b" }));
        var approved = await Decide(gate, Request("edit", new { path = "tests/CalcTests.cs", old_string = "a", new_string = "b" }));

        Assert.Equal(PermissionDecision.Deny("the user declined changing the protected test file tests/CalcTests.cs. Make the code pass the existing tests instead."), declined);
        Assert.Equal(PermissionDecision.Allow("the user approved changing a protected test file"), approved);
        Assert.All(asked, r => Assert.True(r.TouchesProtectedTest));
        Assert.All(asked, r => Assert.Null(r.SuggestedRule));
    }

    [Fact]
    public async Task Interactive_always_for_session_adds_the_suggested_rule()
    {
        var prompts = 0;
        var gate = PermissionGate.Interactive(PermissionSettings.Default, null, (r, _) =>
        {
            prompts++;
            Assert.Equal("bash(dotnet test*)", r.SuggestedRule);
            return ValueTask.FromResult(UserAnswer.AlwaysForSession);
        });

        var first = await Decide(gate, Request("bash", new { command = "dotnet test" }));
        var second = await Decide(gate, Request("bash", new { command = "dotnet test --filter Calc" }));

        Assert.Equal(PermissionDecision.Allow("approved by the user for the session (bash(dotnet test*))"), first);
        Assert.Equal(PermissionDecision.Allow("allowed by rule bash(dotnet test*)"), second);
        Assert.Equal(1, prompts);
        Assert.Equal(["bash(dotnet test*)"], gate.SessionRules.Select(r => r.Text));
    }

    [Fact]
    public async Task Interactive_no_denies_and_yes_allows_once()
    {
        var answers = new Queue<UserAnswer>([UserAnswer.No, UserAnswer.Yes, UserAnswer.No]);
        var gate = PermissionGate.Interactive(PermissionSettings.Default, null, (_, _) => ValueTask.FromResult(answers.Dequeue()));
        var request = Request("write", new { path = "src/x.cs", content = "" });

        Assert.Equal(PermissionDecision.Deny("the user declined this call. Do not retry it as it is; ask the user what they want instead, or take another approach."), await Decide(gate, request));
        Assert.Equal(PermissionDecision.Allow("approved by the user"), await Decide(gate, request));
        Assert.False((await Decide(gate, request)).Allowed);
    }

    [Fact]
    public async Task Interactive_deny_rule_wins_without_prompting()
    {
        var gate = PermissionGate.Interactive(PermissionSettings.Default with { Deny = ["bash(rm *)"] }, null, (_, _) => throw new InvalidOperationException("must not prompt"));

        Assert.False((await Decide(gate, Request("bash", new { command = "ls; rm -rf src" }))).Allowed);
    }

    [Fact]
    public async Task Notes_need_no_approval_but_can_be_denied()
    {
        var ask = PermissionGate.Headless(PermissionSettings.Default);
        var denied = PermissionGate.Headless(PermissionSettings.Default with { Deny = ["notes"] });
        var request = Request("notes", new { action = "append", text = "x" });

        Assert.Equal(PermissionDecision.Allow("allowed by rule notes"), await Decide(ask, request));
        Assert.False((await Decide(denied, request)).Allowed);
    }

    [Fact]
    public async Task Gate_judges_the_requests_resolved_paths_never_the_path_argument_as_written()
    {
        var gate = PermissionGate.Headless(PermissionSettings.Default with { Allow = ["edit(src/**)"] }, ProtectedTestFiles.Scan(_h.Root));
        // The argument names src/, but the tool resolved it (through a link) to the protected test: the test decides.
        var throughLink = new PermissionRequest("write", JsonSerializer.SerializeToElement(new { path = "src/link.cs" }), true, "write") { Paths = ["tests/CalcTests.cs"] };
        var plain = new PermissionRequest("write", JsonSerializer.SerializeToElement(new { path = "tests/CalcTests.cs" }), true, "write") { Paths = ["./src/x.cs"] };

        Assert.StartsWith("tests/CalcTests.cs is a test file that existed when the session started.", (await Decide(gate, throughLink)).Reason, StringComparison.Ordinal);
        Assert.Equal(PermissionDecision.Allow("allowed by rule edit(src/**)"), await Decide(gate, plain));
    }

    [Fact]
    public async Task Commands_cannot_change_or_delete_protected_tests_but_can_add_new_ones()
    {
        var tests = ProtectedTestFiles.Scan(_h.Root);
        using var h = new ToolHarness(AgentToolOptions.Default with { ReadOnlyInCommands = tests.Paths });
        h.Workspace.Write("tests/CalcTests.cs", "// test\n");

        var result = await h.CallAsync("bash", new { command = "echo weakened >> tests/CalcTests.cs; rm -f tests/CalcTests.cs; echo '// new' > tests/NewTests.cs" });

        Assert.Contains("Read-only file system", result.Content, StringComparison.Ordinal);
        Assert.Contains("[read-only: commands cannot change .git/hooks, .git/config, .crucible/settings.json or the test files that existed when the session started.", result.Content, StringComparison.Ordinal);
        Assert.Equal("// test\n", h.ReadFile("tests/CalcTests.cs"));
        Assert.Equal("// new\n", h.ReadFile("tests/NewTests.cs"));
    }
}

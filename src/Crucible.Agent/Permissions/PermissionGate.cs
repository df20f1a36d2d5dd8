using System.Text.Json;
using Crucible.Agent.Tools;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Permissions;

/// <summary>The user's answer to a permission prompt.</summary>
public enum UserAnswer
{
    /// <summary>Run this call.</summary>
    Yes,
    /// <summary>Do not run it.</summary>
    No,
    /// <summary>Run it, and allow calls matching <see cref="PermissionRequest.SuggestedRule"/> for the rest of the session.</summary>
    AlwaysForSession,
}

/// <summary>
/// The permission gate: deny rules, protected tests, non-mutating calls, allow rules (settings, built-in,
/// this session's), the mode, and finally the user — in that order. Headless gates (no prompt) never
/// prompt: whatever would need the user is denied, and the reason tells the model why.
/// </summary>
/// <remarks>
/// Invariants: a deny rule wins over everything; a protected test file is changed only with
/// <see cref="PermissionSettings.AllowTestEdits"/> or the user's explicit answer for that file, whatever
/// the mode or allow rules say.
/// </remarks>
public sealed class PermissionGate : IPermissionGate
{
    /// <summary>Tools that change files (auto-edit runs them without asking).</summary>
    public static IReadOnlySet<string> FileEditTools { get; } = new HashSet<string>(StringComparer.Ordinal) { "write", "edit", "notes" };

    /// <summary>
    /// Tools that write the paths of their request (checked against the protected tests). <c>notes</c> is one: its
    /// file could be a link to a test file.
    /// </summary>
    public static IReadOnlySet<string> PathWritingTools { get; } = new HashSet<string>(StringComparer.Ordinal) { "write", "edit", "notes" };

    private readonly PermissionSettings _settings;
    private readonly ProtectedTestFiles _tests;
    private readonly Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>>? _prompt;
    private readonly IReadOnlyList<PermissionRule> _allow;
    private readonly IReadOnlyList<PermissionRule> _deny;
    private readonly List<PermissionRule> _session = [];
    private readonly HashSet<string> _approvedTests = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates a gate; with <paramref name="prompt"/> null it is headless.</summary>
    /// <param name="settings">Mode, rules and test-edit permission.</param>
    /// <param name="protectedTests">Test files protected at session start (<see cref="ProtectedTestFiles.Scan"/>).</param>
    /// <param name="prompt">Asks the user (interactive mode); null never prompts.</param>
    /// <exception cref="Core.BadInputException">A rule is invalid.</exception>
    public PermissionGate(PermissionSettings settings, ProtectedTestFiles? protectedTests = null, Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>>? prompt = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _tests = protectedTests ?? ProtectedTestFiles.None;
        _prompt = prompt;
        _allow = PermissionSettings.BuiltInAllow.Concat(settings.Allow).Select(PermissionRule.Parse).ToList();
        _deny = settings.Deny.Select(PermissionRule.Parse).ToList();
    }

    /// <summary>A gate that never prompts (<c>-p</c>, eval).</summary>
    public static PermissionGate Headless(PermissionSettings settings, ProtectedTestFiles? protectedTests = null) => new(settings, protectedTests);

    /// <summary>A gate that asks the user through <paramref name="prompt"/>.</summary>
    public static PermissionGate Interactive(PermissionSettings settings, ProtectedTestFiles? protectedTests, Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>> prompt) =>
        new(settings, protectedTests, prompt ?? throw new ArgumentNullException(nameof(prompt)));

    /// <summary>True when the gate never prompts.</summary>
    public bool IsHeadless => _prompt is null;

    /// <summary>The settings in force.</summary>
    public PermissionSettings Settings => _settings;

    /// <summary>Rules added by "always allow for this session" answers.</summary>
    public IReadOnlyList<PermissionRule> SessionRules
    {
        get
        {
            lock (_lock)
            {
                return _session.ToList();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<PermissionDecision> DecideAsync(PermissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tool = request.Tool.ToLowerInvariant();
        var paths = Paths(request);
        var command = request.Command ?? (PermissionRule.CommandTools.Contains(tool) ? Argument(request.Arguments, "command") : null);

        if (_deny.FirstOrDefault(r => r.AppliesTo(tool) && DenyMatches(r, tool, paths, command)) is { } deny)
        {
            return PermissionDecision.Deny($"the settings deny this call (rule {deny.Text} in permissions.deny). Do not retry it; find another way or ask the user.");
        }

        var tests = PathWritingTools.Contains(tool) ? paths.Where(p => _tests.Contains(p) || ProtectedTestFiles.IsInfrastructureByName(p)).ToList() : [];
        if (request.TouchesProtectedTest || tests.Count > 0)
        {
            return await DecideProtectedTestAsync(request, tests, cancellationToken).ConfigureAwait(false);
        }

        if (!request.IsMutating)
        {
            return PermissionDecision.Allow("does not change anything");
        }
        var allowRules = _allow.Concat(SessionRules).Where(r => r.AppliesTo(tool)).ToList();
        if (Allowed(allowRules, tool, paths, command) is { } rule)
        {
            return PermissionDecision.Allow($"allowed by rule {rule}");
        }
        switch (_settings.Mode)
        {
            case PermissionMode.Auto:
                return PermissionDecision.Allow("permission mode auto");
            case PermissionMode.AutoEdit when FileEditTools.Contains(tool):
                return PermissionDecision.Allow("permission mode auto-edit allows file edits");
        }

        if (_prompt is null)
        {
            var what = FileEditTools.Contains(tool) ? "file edits" : "commands";
            return PermissionDecision.Deny(
                $"'{request.Summary}' needs the user's approval, and this session is headless (it never prompts). The permission mode is {_settings.Mode.ToName()}, which does not allow {what} without approval, and no allow rule matches. " +
                "Work without this call, or the user can allow it with a rule in permissions.allow (e.g. " + Suggest(request, tool, paths, command) + ") or a wider --permission-mode.");
        }
        var suggestion = Suggest(request, tool, paths, command);
        var answer = await _prompt(request with { SuggestedRule = suggestion }, cancellationToken).ConfigureAwait(false);
        switch (answer)
        {
            case UserAnswer.Yes:
                return PermissionDecision.Allow("approved by the user");
            case UserAnswer.AlwaysForSession:
                lock (_lock)
                {
                    _session.Add(PermissionRule.Parse(suggestion));
                }
                return PermissionDecision.Allow($"approved by the user for the session ({suggestion})");
            default:
                return PermissionDecision.Deny("the user declined this call. Do not retry it as it is; ask the user what they want instead, or take another approach.");
        }
    }

    private async ValueTask<PermissionDecision> DecideProtectedTestAsync(PermissionRequest request, IReadOnlyList<string> tests, CancellationToken cancellationToken)
    {
        var names = tests.Count > 0 ? string.Join(", ", tests) : request.Summary;
        if (_settings.AllowTestEdits)
        {
            return PermissionDecision.Allow("test edits are allowed (permissions.allowTestEdits / --allow-test-edits)");
        }
        lock (_lock)
        {
            if (tests.Count > 0 && tests.All(_approvedTests.Contains))
            {
                return PermissionDecision.Allow("the user approved changes to this test file for the session");
            }
        }
        if (_prompt is null)
        {
            var what = tests.Count > 0 && tests.All(t => !_tests.Contains(t))
                ? $"{names} is test infrastructure (it decides which tests run and how). Test infrastructure is protected: the work is judged against the original tests and their configuration, " +
                  "so change the code under test to make the tests pass instead. You may add new test files (test_*.py, *Tests.cs, *_test.go) that need no new infrastructure. "
                : $"{names} is a test file that existed when the session started. Existing tests are protected: the work is judged against the original tests, " +
                  "so change the code under test to make them pass instead of changing the tests. You may add new test files. ";
            return PermissionDecision.Deny(what +
                "(This headless session cannot ask the user; test edits need --allow-test-edits or \"permissions\": { \"allowTestEdits\": true }.)");
        }
        // Protected tests are approved file by file, never by a wider pattern.
        var answer = await _prompt(request with { TouchesProtectedTest = true, SuggestedRule = null }, cancellationToken).ConfigureAwait(false);
        switch (answer)
        {
            case UserAnswer.Yes:
                return PermissionDecision.Allow("the user approved changing a protected test file");
            case UserAnswer.AlwaysForSession:
                lock (_lock)
                {
                    _approvedTests.UnionWith(tests);
                }
                return PermissionDecision.Allow("the user approved changes to this test file for the session");
            default:
                return PermissionDecision.Deny($"the user declined changing the protected test file {names}. Make the code pass the existing tests instead.");
        }
    }

    /// <summary>A rule that allows the whole call: every command part / every path matched by some allow rule.</summary>
    private static PermissionRule? Allowed(List<PermissionRule> rules, string tool, IReadOnlyList<string> paths, string? command)
    {
        if (rules.FirstOrDefault(r => r.Pattern is null) is { } whole)
        {
            return whole;
        }
        if (PermissionRule.CommandTools.Contains(tool))
        {
            if (command is null || ShellCommands.HasSubstitution(command))
            {
                return null;
            }
            var parts = ShellCommands.Split(command);
            var used = parts.Select(p => rules.FirstOrDefault(r => r.MatchesSubject(tool, p))).ToList();
            return parts.Count > 0 && used.All(r => r is not null) ? used[0] : null;
        }
        if (paths.Count == 0)
        {
            return null;
        }
        var matched = paths.Select(p => rules.FirstOrDefault(r => r.MatchesSubject(tool, p))).ToList();
        return matched.All(r => r is not null) ? matched[0] : null;
    }

    private static bool DenyMatches(PermissionRule rule, string tool, IReadOnlyList<string> paths, string? command)
    {
        if (rule.Pattern is null)
        {
            return true;
        }
        if (PermissionRule.CommandTools.Contains(tool))
        {
            return command is not null && ShellCommands.AnyPartMatches(command, [rule.Pattern]);
        }
        return paths.Any(p => rule.MatchesSubject(tool, p));
    }

    private static string Suggest(PermissionRequest request, string tool, IReadOnlyList<string> paths, string? command)
    {
        if (PermissionRule.CommandTools.Contains(tool) && command is not null)
        {
            return $"{tool}({ShellCommands.SuggestPattern(command)})";
        }
        if (paths.Count > 0)
        {
            var dir = paths[0].Contains('/', StringComparison.Ordinal) ? paths[0][..paths[0].LastIndexOf('/')] : "";
            var family = PermissionRule.Families.FirstOrDefault(f => f.Value.Contains(tool)).Key ?? tool;
            return dir.Length == 0 ? $"{family}(*)" : $"{family}({dir}/**)";
        }
        return request.Tool;
    }

    /// <summary>
    /// The call's paths as the tool described them (links resolved, see <c>ToolRegistry.CreateRequest</c>). Never the
    /// <c>path</c> argument as written: through a link it names a different file than the one the tool opens.
    /// </summary>
    private static IReadOnlyList<string> Paths(PermissionRequest request) => request.Paths.Select(PathGlob.Normalize).ToList();

    private static string? Argument(JsonElement arguments, string name) =>
        arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

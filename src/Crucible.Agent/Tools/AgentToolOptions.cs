using System.Text.Json;
using Crucible.Core;

namespace Crucible.Agent.Tools;

/// <summary>
/// Limits and settings of the built-in tools. Plain data; every default is documented on its property
/// and listed in <c>docs/agent-tools.md</c>.
/// </summary>
public sealed record AgentToolOptions
{
    /// <summary>The defaults.</summary>
    public static AgentToolOptions Default { get; } = new();

    /// <summary>Where the agent's memory lives, relative to the workspace root.</summary>
    public const string NotesPath = ".crucible/NOTES.md";

    /// <summary>The default <see cref="ProtectedWritePaths"/>.</summary>
    public static IReadOnlyList<string> DefaultProtectedWritePaths { get; } = [".git/hooks", ".git/hooks/**", ".git/config", ".crucible/settings.json", ".crucible/sessions", ".crucible/sessions/**", ".crucible/runs", ".crucible/runs/**", ".crucible/crucible.db*"];

    /// <summary><c>read</c> refuses files larger than this unless an <c>offset</c> or <c>limit</c> is given. Default: 256 KiB.</summary>
    public long ReadMaxBytes { get; init; } = 256 * 1024;

    /// <summary>Lines <c>read</c> returns when no <c>limit</c> is given. Default: 2000.</summary>
    public int ReadDefaultLineLimit { get; init; } = 2000;

    /// <summary>Characters of one line kept by <c>read</c> before a truncation marker. Default: 2000.</summary>
    public int ReadMaxLineChars { get; init; } = 2000;

    /// <summary>Bytes examined for NUL bytes when deciding that a file is binary. Default: 8 KiB (as git does).</summary>
    public int BinarySniffBytes { get; init; } = 8 * 1024;

    /// <summary>Paths <c>glob</c> lists at most. Default: 200.</summary>
    public int GlobMaxResults { get; init; } = 200;

    /// <summary>Matching lines <c>grep</c> reports at most. Default: 200.</summary>
    public int GrepMaxMatches { get; init; } = 200;

    /// <summary>Files larger than this are not searched by <c>grep</c> (and are listed as skipped). Default: 4 MiB.</summary>
    public long GrepMaxFileBytes { get; init; } = 4L << 20;

    /// <summary>Largest <c>context</c> <c>grep</c> accepts. Default: 10 lines.</summary>
    public int GrepMaxContextLines { get; init; } = 10;

    /// <summary>Characters of one line kept in <c>grep</c> output. Default: 500.</summary>
    public int GrepMaxLineChars { get; init; } = 500;

    /// <summary>Time one regular expression match may take before <c>grep</c> gives up. Default: 2 seconds.</summary>
    public TimeSpan GrepRegexTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Lines of context shown around the closest region when an <c>edit</c> finds no match. Default: 0 (just the region).</summary>
    public int EditClosestRegionPadding { get; init; }

    /// <summary><c>bash</c> timeout when the call gives none. Default: 2 minutes.</summary>
    public TimeSpan BashDefaultTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest <c>bash</c> timeout a call may ask for. Default: 10 minutes.</summary>
    public TimeSpan BashMaxTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Network for every command (settings key <c>sandbox.network</c>). Default: false.</summary>
    public bool AllowNetwork { get; init; }

    /// <summary>
    /// Command patterns that get the network (settings key <c>sandbox.networkCommands</c>), e.g.
    /// <c>npm install*</c>: <c>*</c> matches anything, the whole command must match, and in a compound
    /// command (<c>&amp;&amp;</c>, <c>;</c>, <c>|</c>) every part must match. Default: none.
    /// </summary>
    public IReadOnlyList<string> NetworkCommands { get; init; } = [];

    /// <summary>
    /// The NuGet global package folder mounted read-only so restores work offline. Null uses the
    /// verifier's default (<c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>).
    /// </summary>
    public string? NuGetPackagesDirectory { get; init; }

    /// <summary>Extra read-only NuGet package folders offered as restore sources. Null uses the verifier's default (<c>/opt/nuget/packages</c> when it exists).</summary>
    public IReadOnlyList<string>? LocalPackageSources { get; init; }

    /// <summary>
    /// The repository's test command for <c>run_tests</c> when there is no task (settings key
    /// <c>testCommand</c>). Null detects one from the workspace (see <see cref="TestCommandDetector"/>).
    /// </summary>
    public string? TestCommand { get; init; }

    /// <summary>Wall time for <c>run_tests</c> with <see cref="TestCommand"/>. Default: 10 minutes.</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Failing tests <c>run_tests</c> lists with their messages. Default: 20.</summary>
    public int RunTestsMaxFailures { get; init; } = 20;

    /// <summary>Characters of one failure message or build log excerpt shown by <c>run_tests</c>. Default: 800.</summary>
    public int RunTestsMaxMessageChars { get; init; } = 800;

    /// <summary>Workspace-relative globs file tools never write (matched ignoring case). Default: <see cref="DefaultProtectedWritePaths"/>.</summary>
    public IReadOnlyList<string> ProtectedWritePaths { get; init; } = DefaultProtectedWritePaths;

    /// <summary>
    /// Workspace-relative files that commands (<c>bash</c>, <c>run_tests</c>) see read-only, so a command
    /// cannot change or delete them: the protected test files
    /// (<see cref="Permissions.ProtectedTestFiles.Paths"/>) unless test edits are allowed. Default: none.
    /// </summary>
    public IReadOnlyList<string> ReadOnlyInCommands { get; init; } = [];

    /// <summary>
    /// Workspace-relative globs <c>glob</c> and <c>grep</c> never list or search, e.g. the paths of
    /// <c>read(...)</c> deny rules (<see cref="Permissions.PermissionSettings.ReadDenyGlobs"/>). Default: none.
    /// </summary>
    public IReadOnlyList<string> HiddenPaths { get; init; } = [];

    /// <summary>The plan list behind <c>todo</c>. Null gives the toolset a fresh one (find it through <see cref="TodoTool.List"/>).</summary>
    public TodoList? Todos { get; init; }

    /// <summary>Clock for the dated headings of <c>notes</c>. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Reads the tool keys of a settings document (<c>sandbox.network</c>, <c>sandbox.networkCommands</c>,
    /// <c>testCommand</c>) over <paramref name="defaults"/>. Unknown keys are ignored (other parts own them).
    /// </summary>
    /// <exception cref="BadInputException">A key has the wrong type.</exception>
    public static AgentToolOptions FromSettings(JsonElement settings, AgentToolOptions? defaults = null)
    {
        var o = defaults ?? Default;
        if (settings.ValueKind != JsonValueKind.Object)
        {
            return o;
        }
        if (settings.TryGetProperty("sandbox", out var sandbox) && sandbox.ValueKind == JsonValueKind.Object)
        {
            if (sandbox.TryGetProperty("network", out var network))
            {
                o = o with
                {
                    AllowNetwork = network.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new BadInputException($"settings key sandbox.network must be true or false, not {network.GetRawText()}.", "Write \"sandbox\": { \"network\": false } (or true to give every command the network)."),
                    },
                };
            }
            if (sandbox.TryGetProperty("networkCommands", out var commands))
            {
                o = o with { NetworkCommands = SettingsJson.StringList(commands, "sandbox.networkCommands", "\"sandbox\": { \"networkCommands\": [\"npm install*\"] }") };
            }
        }
        if (settings.TryGetProperty("testCommand", out var test))
        {
            o = o with
            {
                TestCommand = test.ValueKind == JsonValueKind.String ? test.GetString()
                    : throw new BadInputException($"settings key testCommand must be a string, not {test.GetRawText()}.", "Write \"testCommand\": \"dotnet test\"."),
            };
        }
        return o;
    }
}

/// <summary>Small helpers for reading settings documents.</summary>
internal static class SettingsJson
{
    public static IReadOnlyList<string> StringList(JsonElement value, string key, string example)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new BadInputException($"settings key {key} must be a list of strings, not {value.GetRawText()}.", $"Write {example}.");
        }
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}

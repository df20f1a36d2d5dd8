using System.Text.Json;
using Crucible.Agent.Tools;
using Crucible.Core;

namespace Crucible.Agent.Permissions;

/// <summary>How much the agent may do without asking.</summary>
public enum PermissionMode
{
    /// <summary><c>ask</c>: every mutating call needs approval (the interactive default).</summary>
    Ask,
    /// <summary><c>auto-edit</c>: file edits run; commands need approval.</summary>
    AutoEdit,
    /// <summary><c>auto</c>: everything runs (commands only ever run inside the sandbox).</summary>
    Auto,
}

/// <summary>Parsing and naming of <see cref="PermissionMode"/>.</summary>
public static class PermissionModes
{
    /// <summary>The name used on the command line and in settings: <c>ask</c>, <c>auto-edit</c>, <c>auto</c>.</summary>
    public static string ToName(this PermissionMode mode) => mode switch
    {
        PermissionMode.AutoEdit => "auto-edit",
        PermissionMode.Auto => "auto",
        _ => "ask",
    };

    /// <summary>Parses <c>ask</c>, <c>auto-edit</c> or <c>auto</c> (case-insensitive); throws <see cref="BadInputException"/> otherwise.</summary>
    public static PermissionMode Parse(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "ask" => PermissionMode.Ask,
        "auto-edit" => PermissionMode.AutoEdit,
        "auto" => PermissionMode.Auto,
        _ => throw new BadInputException($"Permission mode '{text}' is not known.", "Use --permission-mode ask, auto-edit or auto (settings key permissions.mode)."),
    };
}

/// <summary>
/// The permission settings (settings keys under <c>permissions</c>, plus <c>--permission-mode</c> and
/// <c>--allow-test-edits</c>). Defaults: mode <c>ask</c>, no allow or deny rules, test edits need approval.
/// </summary>
public sealed record PermissionSettings
{
    /// <summary>The defaults.</summary>
    public static PermissionSettings Default { get; } = new();

    /// <summary>Rules allowed in every mode unless denied: the agent's own memory file needs no approval.</summary>
    public static IReadOnlyList<string> BuiltInAllow { get; } = ["notes"];

    /// <summary>The mode (<c>permissions.mode</c>, <c>--permission-mode</c>). Default: ask.</summary>
    public PermissionMode Mode { get; init; } = PermissionMode.Ask;

    /// <summary>Allow rules (<c>permissions.allow</c>), e.g. <c>bash(git status*)</c>, <c>edit(src/**)</c>.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];

    /// <summary>Deny rules (<c>permissions.deny</c>), e.g. <c>read(**/*.env)</c>. A deny rule wins over every allowance and every mode.</summary>
    public IReadOnlyList<string> Deny { get; init; } = [];

    /// <summary>Whether test files protected at session start may be changed without asking (<c>permissions.allowTestEdits</c>, <c>--allow-test-edits</c>). Default: false.</summary>
    public bool AllowTestEdits { get; init; }

    /// <summary>
    /// The path globs of deny rules that name the reading tools (<c>read(...)</c>, <c>grep(...)</c>, <c>glob(...)</c>):
    /// put them in <see cref="AgentToolOptions.HiddenPaths"/> so searches skip those files too.
    /// </summary>
    public IReadOnlyList<string> ReadDenyGlobs() =>
        Deny.Select(PermissionRule.Parse).Where(r => r.Pattern is not null && (r.Tool is "read" or "grep" or "glob")).Select(r => r.Pattern!).ToList();

    /// <summary>
    /// Reads the <c>permissions</c> object of a settings document over <paramref name="defaults"/>:
    /// <c>mode</c>, <c>allow</c>, <c>deny</c>, <c>allowTestEdits</c>. Rules are validated here.
    /// </summary>
    /// <exception cref="BadInputException">A key has the wrong type, or a rule or the mode is invalid.</exception>
    public static PermissionSettings FromSettings(JsonElement settings, PermissionSettings? defaults = null)
    {
        var s = defaults ?? Default;
        if (settings.ValueKind != JsonValueKind.Object || !settings.TryGetProperty("permissions", out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return s;
        }
        if (p.ValueKind != JsonValueKind.Object)
        {
            throw new BadInputException($"settings key permissions must be an object, not {p.GetRawText()}.", "Write \"permissions\": { \"mode\": \"ask\", \"allow\": [], \"deny\": [] }.");
        }
        if (p.TryGetProperty("mode", out var mode))
        {
            s = s with { Mode = PermissionModes.Parse(mode.ValueKind == JsonValueKind.String ? mode.GetString()! : mode.GetRawText()) };
        }
        if (p.TryGetProperty("allow", out var allow))
        {
            s = s with { Allow = SettingsJson.StringList(allow, "permissions.allow", "\"permissions\": { \"allow\": [\"bash(git status*)\"] }") };
        }
        if (p.TryGetProperty("deny", out var deny))
        {
            s = s with { Deny = SettingsJson.StringList(deny, "permissions.deny", "\"permissions\": { \"deny\": [\"read(**/*.env)\"] }") };
        }
        if (p.TryGetProperty("allowTestEdits", out var tests))
        {
            s = s with
            {
                AllowTestEdits = tests.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new BadInputException($"settings key permissions.allowTestEdits must be true or false, not {tests.GetRawText()}.", "Write \"permissions\": { \"allowTestEdits\": false }."),
                },
            };
        }
        // Validate every rule now, so a typo is reported at start-up and not at the first tool call.
        foreach (var rule in s.Allow.Concat(s.Deny))
        {
            PermissionRule.Parse(rule);
        }
        return s;
    }
}

using System.Text.Json;

namespace Crucible.Agent.Tools;

/// <summary>
/// Base class of the built-in tools: parses the schema once and turns every problem the model can fix
/// (bad arguments, refused paths) into an error <see cref="ToolResult"/> instead of an exception.
/// </summary>
public abstract class AgentTool : IAgentTool
{
    private readonly Lazy<JsonElement> _schema;

    /// <summary>Creates the tool with its options.</summary>
    protected AgentTool(AgentToolOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _schema = new Lazy<JsonElement>(() => JsonDocument.Parse(SchemaJson).RootElement.Clone());
    }

    /// <summary>The options the tool was created with.</summary>
    public AgentToolOptions Options { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public JsonElement InputSchema => _schema.Value;

    /// <inheritdoc />
    public abstract bool IsMutating { get; }

    /// <summary>The JSON schema text of the arguments object.</summary>
    protected abstract string SchemaJson { get; }

    /// <inheritdoc />
    public async Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var args = new ToolArguments(arguments);
            return await RunAsync(args, context, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolInputException e)
        {
            return ToolResult.Error(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file the OS refuses (permissions, a vanished file, a full disk) is the model's problem to work around, not a reason to stop the run.
            return ToolResult.Error($"{Name} failed: {e.Message}");
        }
    }

    /// <summary>Runs the tool with parsed arguments. Throw <see cref="ToolInputException"/> for anything the model should fix.</summary>
    protected abstract Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var args = new ToolArguments(arguments);
        return new CallDescription($"{Name} {args.OptionalStringOrNull("path") ?? ""}".TrimEnd());
    }

    /// <summary>The description of a search tool's call (<c>pattern</c> in the folder or file <c>path</c>, the root by default): "NAME PATTERN[ in PATH]", reading the path.</summary>
    protected CallDescription DescribeSearch(JsonElement arguments, ToolContext context)
    {
        var args = new ToolArguments(arguments);
        var path = args.OptionalStringOrNull("path");
        return new CallDescription($"{Name} {args.OptionalStringOrNull("pattern")}{(path is null ? "" : " in " + path)}") { Paths = DescribePath(path ?? ".", context, PathAccess.Read) };
    }

    /// <summary>The confinement for <paramref name="context"/>'s workspace with these options' protected paths.</summary>
    protected WorkspacePaths Paths(ToolContext context) => new(context.WorkspaceRoot, Options.ProtectedWritePaths);

    /// <summary>
    /// The workspace-relative paths a call on <paramref name="path"/> touches, for its description: the path with every link
    /// resolved (what the tool opens) first, then — when a link made them differ — the path as written, so a deny rule or a
    /// protected file naming either one applies. A refused path is returned unchanged (the call itself reports the refusal).
    /// </summary>
    protected IReadOnlyList<string> DescribePath(string? path, ToolContext context, PathAccess access)
    {
        if (path is null)
        {
            return [];
        }
        try
        {
            var paths = Paths(context);
            var resolved = paths.Resolve(path, access).RelativePath;
            return paths.Lexical(path) is { } written && written != resolved ? [resolved, written] : [resolved];
        }
        catch (ToolInputException)
        {
            return [path];
        }
    }
}

/// <summary>What a call will touch, worked out before it runs (for permission rules, protected tests and the UI).</summary>
/// <param name="Summary">One line for the user, e.g. <c>edit src/Foo.cs</c>.</param>
public sealed record CallDescription(string Summary)
{
    /// <summary>Workspace-relative paths the call reads or changes: each with links resolved, and also as written when a link made it differ.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>The shell command, for <c>bash</c>.</summary>
    public string? Command { get; init; }
}

/// <summary>
/// Says, before a call runs, which paths or command it touches. Every <see cref="IAgentTool"/> implements it;
/// <c>ToolRegistry.CreateRequest</c> turns the description into the permission request, so the gate judges
/// what the call will really open (links resolved), not the argument as written.
/// </summary>
public interface IDescribesCalls
{
    /// <summary>Describes the call; never throws for bad arguments (the call itself reports those).</summary>
    CallDescription Describe(JsonElement arguments, ToolContext context);
}

/// <summary>A problem with a tool call the model can fix; becomes an error result with this message.</summary>
public sealed class ToolInputException(string message) : Exception(message);

/// <summary>Typed access to a tool call's arguments, with errors a model can act on.</summary>
public sealed class ToolArguments
{
    private readonly JsonElement _root;

    /// <summary>Wraps the arguments object (anything else is treated as an empty object).</summary>
    public ToolArguments(JsonElement root) => _root = root;

    private bool TryGet(string name, out JsonElement value)
    {
        value = default;
        return _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>A required string argument.</summary>
    public string RequiredString(string name) =>
        OptionalString(name) ?? throw new ToolInputException($"Missing required argument '{name}' (a string).");

    /// <summary>An optional string argument.</summary>
    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ToolInputException($"Argument '{name}' must be a string, got {Kind(v)}.");
    }

    /// <summary>A string argument, or null when it is missing or not a string (for descriptions, which never fail).</summary>
    public string? OptionalStringOrNull(string name) =>
        TryGet(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>An optional integer argument within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int? OptionalInt(string name, int min, int max)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }
        // Models sometimes send numbers as strings ("20"); accept those, refuse anything else.
        var ok = v.ValueKind == JsonValueKind.Number ? v.TryGetInt32(out var n) : int.TryParse(v.ValueKind == JsonValueKind.String ? v.GetString() : null, out n);
        if (!ok)
        {
            throw new ToolInputException($"Argument '{name}' must be an integer, got {Kind(v)}.");
        }
        return n < min || n > max ? throw new ToolInputException($"Argument '{name}' must be between {min} and {max}, got {n}.") : n;
    }

    /// <summary>An optional boolean argument.</summary>
    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out var v))
        {
            return fallback;
        }
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ToolInputException($"Argument '{name}' must be true or false, got {Kind(v)}."),
        };
    }

    /// <summary>An optional array argument.</summary>
    public IReadOnlyList<JsonElement>? OptionalArray(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : throw new ToolInputException($"Argument '{name}' must be an array, got {Kind(v)}.");
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => v.ValueKind.ToString(),
    };
}

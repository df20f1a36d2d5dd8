using System.Text;
using System.Text.Json;

namespace Crucible.Agent.Tools;

/// <summary>The state of a plan item.</summary>
public enum TodoStatus
{
    /// <summary>Not started.</summary>
    Pending,
    /// <summary>Being worked on.</summary>
    InProgress,
    /// <summary>Finished.</summary>
    Done,
}

/// <summary>One plan item.</summary>
/// <param name="Content">What to do.</param>
/// <param name="Status">Its state.</param>
public sealed record TodoItem(string Content, TodoStatus Status);

/// <summary>
/// The agent's plan, in memory for the session. The UI subscribes to <see cref="Changed"/>; compaction
/// keeps <see cref="Render()"/> verbatim. Thread-safe.
/// </summary>
public sealed class TodoList
{
    private readonly Lock _gate = new();
    private IReadOnlyList<TodoItem> _items = [];

    /// <summary>Raised after every change with the new snapshot.</summary>
    public event EventHandler<IReadOnlyList<TodoItem>>? Changed;

    /// <summary>The current items (an immutable snapshot).</summary>
    public IReadOnlyList<TodoItem> Snapshot()
    {
        lock (_gate)
        {
            return _items;
        }
    }

    /// <summary>Replaces the whole list (restoring a session, or the tool's call).</summary>
    public void Replace(IEnumerable<TodoItem> items)
    {
        IReadOnlyList<TodoItem> snapshot = items.ToList().AsReadOnly();
        lock (_gate)
        {
            _items = snapshot;
        }
        Changed?.Invoke(this, snapshot);
    }

    /// <summary>The list as Markdown checkboxes, or an empty string when there are no items.</summary>
    public string Render() => Render(Snapshot());

    /// <summary>Renders <paramref name="items"/> as Markdown checkboxes.</summary>
    public static string Render(IReadOnlyList<TodoItem> items)
    {
        var sb = new StringBuilder();
        foreach (var item in items)
        {
            var box = item.Status switch
            {
                TodoStatus.Done => "[x]",
                TodoStatus.InProgress => "[~]",
                _ => "[ ]",
            };
            sb.Append("- ").Append(box).Append(' ').Append(item.Content).Append(item.Status == TodoStatus.InProgress ? " (in progress)" : "").Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary><c>todo</c>: the plan list shown to the user.</summary>
public sealed class TodoTool : AgentTool
{
    /// <summary>Creates the tool over <paramref name="options"/>' <see cref="AgentToolOptions.Todos"/> or a fresh list.</summary>
    public TodoTool(AgentToolOptions options)
        : base(options) => List = options.Todos ?? new TodoList();

    /// <summary>The list this tool changes.</summary>
    public TodoList List { get; }

    /// <inheritdoc />
    public override string Name => "todo";

    /// <inheritdoc />
    public override string Description => """
        Keep a short plan for multi-step work; the user sees it. Send the complete list every time (it replaces the previous one): each item has content and a status of pending, in_progress or done.
        Keep exactly one item in_progress while working, mark items done as soon as they are finished, and add items you discover. Skip it for trivial one-step tasks. Call with no items to read the current list.
        """;

    /// <inheritdoc />
    public override bool IsMutating => false;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "items": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "content": { "type": "string" },
                  "status": { "type": "string", "enum": ["pending", "in_progress", "done"] }
                },
                "required": ["content", "status"],
                "additionalProperties": false
              }
            }
          },
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context) => new("todo");

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        if (args.OptionalArray("items") is not { } raw)
        {
            var current = List.Render();
            return Task.FromResult(new ToolResult(current.Length == 0 ? "The plan is empty." : current));
        }
        var items = new List<TodoItem>();
        for (var i = 0; i < raw.Count; i++)
        {
            var item = new ToolArguments(raw[i]);
            var content = item.OptionalString("content")?.Trim();
            if (string.IsNullOrEmpty(content))
            {
                return Task.FromResult(ToolResult.Error($"items[{i}].content is missing or empty."));
            }
            TodoStatus? status = item.OptionalString("status") switch
            {
                "pending" => TodoStatus.Pending,
                "in_progress" => TodoStatus.InProgress,
                "done" => TodoStatus.Done,
                _ => null,
            };
            if (status is null)
            {
                return Task.FromResult(ToolResult.Error($"items[{i}].status must be pending, in_progress or done."));
            }
            items.Add(new TodoItem(content, status.Value));
        }
        List.Replace(items);
        var done = items.Count(t => t.Status == TodoStatus.Done);
        return Task.FromResult(new ToolResult($"Plan updated ({done}/{items.Count} done):\n{List.Render()}"));
    }
}

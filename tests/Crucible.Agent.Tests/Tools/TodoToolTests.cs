using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class TodoToolTests : IDisposable
{
    private readonly TodoList _list = new();
    private readonly ToolHarness _h;

    public TodoToolTests() => _h = new ToolHarness(AgentToolOptions.Default with { Todos = _list });

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Replacing_the_plan_updates_the_list_and_notifies_subscribers()
    {
        var seen = new List<IReadOnlyList<TodoItem>>();
        _list.Changed += (_, items) => seen.Add(items);

        var result = await _h.CallAsync("todo", new
        {
            items = new[]
            {
                new { content = "Read the failing test", status = "done" },
                new { content = "Fix Add", status = "in_progress" },
                new { content = "Run the tests", status = "pending" },
            },
        });

        TodoItem[] expected = [new("Read the failing test", TodoStatus.Done), new("Fix Add", TodoStatus.InProgress), new("Run the tests", TodoStatus.Pending)];
        Assert.Equal(expected, _list.Snapshot());
        Assert.Equal(expected, Assert.Single(seen));
        Assert.Equal(new ToolResult("Plan updated (1/3 done):\n- [x] Read the failing test\n- [~] Fix Add (in progress)\n- [ ] Run the tests\n"), result);
        Assert.Same(_list, _h.Tools.OfType<TodoTool>().Single().List);
    }

    [Fact]
    public async Task Call_without_items_reads_the_plan()
    {
        Assert.Equal(new ToolResult("The plan is empty."), await _h.CallAsync("todo", new { }));
        _list.Replace([new TodoItem("One", TodoStatus.Pending)]);

        Assert.Equal(new ToolResult("- [ ] One\n"), await _h.CallAsync("todo", new { }));
    }

    [Fact]
    public async Task Invalid_items_leave_the_plan_unchanged()
    {
        _list.Replace([new TodoItem("Keep", TodoStatus.Pending)]);

        var result = await _h.CallAsync("todo", new { items = new[] { new { content = "x", status = "finished" } } });

        Assert.Equal(ToolResult.Error("items[0].status must be pending, in_progress or done."), result);
        Assert.Equal([new TodoItem("Keep", TodoStatus.Pending)], _list.Snapshot());
    }
}

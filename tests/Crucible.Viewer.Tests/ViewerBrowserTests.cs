using System.Runtime.InteropServices;
using System.Text.Json;
using Crucible.Cli;
using Crucible.Constitution.Changes;
using Crucible.Verification.Grading;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crucible.Viewer.Tests;

/// <summary>
/// The viewer in a real browser: Debian's chromium (<see cref="Chromium"/>, no browser download) driven by Playwright,
/// over the real agent run of <see cref="AgentRunFixture"/>, served by the real <c>crucible view</c> command and written by
/// the real <c>crucible eval report --html</c>. Screenshots go to <c>screenshots/</c> in the test output folder.
/// </summary>
[Collection(AgentRunCollection.Name)]
public sealed class ViewerBrowserTests(AgentRunFixture run) : IAsyncLifetime
{
    /// <summary>The system browser (scripts/install-system-deps installs Debian's chromium).</summary>
    public const string Chromium = "/usr/bin/chromium";

    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly List<string> _consoleErrors = [];
    private readonly List<string> _requests = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        // Chromium refuses its own sandbox as root (CI runs as root); the page is the test's own.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser!.DisposeAsync();
        _playwright!.Dispose();
    }

    private async Task<IPage> NewPageAsync()
    {
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout((float)Wait.TotalMilliseconds);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _consoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => _consoleErrors.Add(error);
        page.Request += (_, request) => _requests.Add(request.Url);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(Screenshots, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 1000, $"{path} is empty");
    }

    /// <summary>From the run's page: the task, attempt #0, then each tab, checking what the attempt holds.</summary>
    private async Task ClickThroughToThePassingAttemptAsync(IPage page, string prefix)
    {
        await Expect(page.Locator("h1")).ToHaveTextAsync($"Run {run.RunId}");
        await Expect(page.GetByTestId("pass-rate")).ToContainTextAsync("50.0 %");
        await Expect(page.GetByTestId("chart-pass-rate").Locator("svg")).ToBeVisibleAsync();
        await ShotAsync(page, $"{prefix}-run.png");

        await page.GetByRole(AriaRole.Link, new() { Name = AgentRunFixture.TaskId, Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("attempts").Locator("tbody tr")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Link, new() { Name = "#0", Exact = true }).ClickAsync();

        // The trajectory: the task, the step with the write call and its result, the final text.
        var steps = page.GetByTestId("step");
        await Expect(steps.First).ToBeVisibleAsync();
        Assert.True(await steps.CountAsync() >= 2);
        await Expect(page.Locator("[data-kind=tool_call]")).ToContainTextAsync("write");
        await Expect(page.Locator("[data-kind=tool_result]").First).ToContainTextAsync("write");
        await Expect(page.Locator("[data-kind=assistant]").First).ToContainTextAsync("Writing the proverb function.");
        await ShotAsync(page, $"{prefix}-trajectory.png");

        // The diff: the solution file against the stub, with a line only the solution has shown as added.
        await page.GetByTestId("tab-diff").ClickAsync();
        var file = page.GetByTestId("diff-file");
        await Expect(file).ToHaveCountAsync(1);
        await Expect(file.Locator(".file")).ToContainTextAsync(run.Solution.Path);
        var stub = System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(AgentRunFixture.Task().StartingFiles.Single(f => f.Path == run.Solution.Path)));
        var edits = LineDiff.Edits(stub, run.Solution.Text);
        await Expect(file.Locator("tr.Added")).ToHaveCountAsync(edits.Count(e => e.Kind == LineEditKind.Added));
        await Expect(file.Locator("tr.Removed")).ToHaveCountAsync(edits.Count(e => e.Kind == LineEditKind.Removed));
        var addedLine = edits.First(e => e.Kind == LineEditKind.Added && e.Text.Trim().Length > 3).Text.Trim();
        await Expect(file.Locator("tr.Added").Filter(new() { HasText = addedLine }).First).ToBeVisibleAsync();
        await ShotAsync(page, $"{prefix}-diff.png");

        // The verdict: every test of the stored verdict, each passed.
        await page.GetByTestId("tab-verdict").ClickAsync();
        var tests = StoredTests();
        Assert.NotEmpty(tests);
        var rows = page.GetByTestId("test-row");
        await Expect(rows).ToHaveCountAsync(tests.Count);
        await Expect(rows.First.Locator("td").First).ToHaveTextAsync(tests[0]);
        await Expect(page.GetByTestId("verdict")).ToContainTextAsync("Status Passed");
        Assert.Equal(tests.Count, await rows.Locator("td.pass").CountAsync());
        await ShotAsync(page, $"{prefix}-verdict.png");
    }

    /// <summary>The test names of attempt #0's verdict as the run stored it.</summary>
    private List<string> StoredTests()
    {
        var path = Path.Combine(run.Dir.Path, ".crucible", "runs", run.RunId, "tasks", AgentRunFixture.TaskId, "0", "verdict.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return [.. doc.RootElement.GetProperty("verdict").GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];
    }

    [Fact]
    public async Task The_viewer_shows_the_agents_steps_diff_and_verdict_in_chromium_with_no_console_error()
    {
        using var interrupts = new CliInterrupts();
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = run.Context(output, errors, interrupts: interrupts);
        var serving = CliApp.RunAsync(["view"], context);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? url = null;
        while ((url = output.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("http://", StringComparison.Ordinal))?.Trim()) is null)
        {
            Assert.True(clock.Elapsed < Wait && !serving.IsCompleted, $"no URL printed:\n{output}\n{errors}");
            await Task.Delay(50, Ct);
        }
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);

        var page = await NewPageAsync();
        await page.GotoAsync(url);
        await Expect(page.GetByTestId("runs").Locator("tbody tr")).ToHaveCountAsync(2);
        await ShotAsync(page, "viewer-runs.png");
        await page.GetByRole(AriaRole.Link, new() { Name = run.RunId, Exact = true }).ClickAsync();
        await ClickThroughToThePassingAttemptAsync(page, "viewer");

        // Two runs side by side: the agent's (pass@1 0.5) against the reference's (1.0) gains the task.
        await page.GetByRole(AriaRole.Link, new() { Name = "runs", Exact = true }).ClickAsync();
        await page.GetByTestId("compare-a").SelectOptionAsync(run.RunId);
        await page.GetByTestId("compare-b").SelectOptionAsync(run.ReferenceRunId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Expect(page.GetByTestId("compare-counts")).ToHaveTextAsync("gained 1 · lost 0 · same 0");
        await Expect(page.GetByTestId("compare").Locator("tbody tr")).ToHaveTextAsync([$"{AgentRunFixture.TaskId}50.0 %100.0 %gained"]);
        await Expect(page.GetByTestId("difference")).ToContainTextAsync("50.0 pts");
        await ShotAsync(page, "viewer-compare.png");

        interrupts.Raise(PosixSignal.SIGINT);
        Assert.Equal(ExitCodes.Ok, await serving.WaitAsync(Wait, Ct));
        Assert.Empty(_consoleErrors);
        Assert.All(_requests, r => Assert.StartsWith(url.TrimEnd('/'), r, StringComparison.Ordinal)); // nothing from another origin
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url, Ct)); // stopped with the command
    }

    [Fact]
    public async Task The_static_report_shows_the_same_views_from_a_file_with_no_request_and_no_console_error()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var report = Path.Combine(run.Dir.Path, "out", "report.html");
        using (var context = run.Context(output, errors))
        {
            Assert.Equal(ExitCodes.Ok, await CliApp.RunAsync(["eval", "report", run.RunId, "--html", "out/report.html"], context));
        }
        Assert.Equal(report, output.ToString().Trim());

        var page = await NewPageAsync();
        var fileUrl = new Uri(report).AbsoluteUri;
        await page.GotoAsync(fileUrl);
        await ClickThroughToThePassingAttemptAsync(page, "report");

        Assert.Empty(_consoleErrors);
        Assert.All(_requests, r => Assert.StartsWith(fileUrl, r, StringComparison.Ordinal)); // the page itself only: no fetch, no CDN
    }
}

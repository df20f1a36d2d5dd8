using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Testing.Processes;
using Crucible.Verification;
using Crucible.Verification.Dotnet;

namespace Crucible.Cli.Tests;

/// <summary>
/// The verifiers the CLI creates: sized to the command's concurrency (<c>--jobs</c> pre-started spares) and disposed at the
/// end of the command, so an in-process <c>crucible eval</c> leaves no pre-started test process or folder behind.
/// Real verifier, real bubblewrap sandbox, the slugify example.
/// </summary>
public sealed class VerifierLifetimeTests : IDisposable
{
    private readonly TempDirectory _home = new("cli-verifier-home");
    private readonly TempDirectory _repo = new("cli-verifier-repo");
    private readonly TempDirectory _work = new("cli-verifier-work");

    public void Dispose()
    {
        _work.Dispose();
        _repo.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void The_default_verifier_keeps_as_many_prestarted_spares_as_attempts_graded_at_once()
    {
        var sandbox = new Crucible.Sandbox.UnsandboxedRunner();

        Assert.Equal(PrestartPolicy.Default with { PoolSize = 4 }, CliSetup.DefaultVerifierOptions(sandbox, 4).CSharpPrestart);
        Assert.Equal(PrestartPolicy.Default, CliSetup.DefaultVerifierOptions(sandbox, 1).CSharpPrestart);
        // Everything else is the documented default (the lists compared by value: the record compares them by reference).
        var defaults = new VerifierOptions { Sandbox = sandbox };
        var options = CliSetup.DefaultVerifierOptions(sandbox, 4);
        Assert.Equal(defaults.CSharpGenerators, options.CSharpGenerators);
        Assert.Equal(defaults.LocalPackageSources, options.LocalPackageSources);
        Assert.Equal(
            defaults with { CSharpPrestart = PrestartPolicy.Default with { PoolSize = 4 } },
            options with { CSharpGenerators = defaults.CSharpGenerators, LocalPackageSources = defaults.LocalPackageSources });
    }

    [Fact]
    public async Task An_eval_run_in_process_gets_a_verifier_sized_to_its_jobs_and_leaves_no_prestarted_runner_or_folder_behind()
    {
        var created = new List<(int Concurrency, Verifier Verifier)>();
        var folders = new HashSet<string>(StringComparer.Ordinal);
        using var watcher = new FileSystemWatcher(_work.Path) { NotifyFilter = NotifyFilters.DirectoryName, IncludeSubdirectories = false };
        watcher.Created += (_, e) =>
        {
            lock (folders)
            {
                folders.Add(e.Name!);
            }
        };
        watcher.EnableRaisingEvents = true;
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new CliContext(TestContexts.Setup(_repo.Path, output, errors, _home.Path) with
        {
            // The CLI's own default verifier, with its grading folders kept under a folder of this test's (the pool's
            // unused spares are removed on disposal, used folders stay), so its processes and folders can be told apart.
            VerifierFactory = (sandbox, concurrency) =>
            {
                var verifier = new Verifier(CliSetup.DefaultVerifierOptions(sandbox, concurrency) with { WorkDirectory = _work.Path, KeepWorkspaces = true });
                lock (created)
                {
                    created.Add((concurrency, verifier));
                }
                return verifier;
            },
        });

        var code = await CliApp.RunAsync(["eval", TestPaths.Examples, "--solver", "reference", "--filter", "slugify", "--samples", "3", "--jobs", "2", "--no-differential"], context);

        Assert.True(code == 0, errors.ToString());
        var (concurrency, verifier) = Assert.Single(created);
        Assert.Equal((2, PrestartPolicy.Default with { PoolSize = 2 }), (concurrency, verifier.Options.CSharpPrestart));
        // Nothing the verifier started still runs, and only the three graded attempts' folders remain.
        Assert.Empty(ProcessTree.DescendantsMentioning(Environment.ProcessId, _work.Path));
        var kept = Directory.EnumerateDirectories(_work.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, kept.Count);
        // Spares were started (from the second attempt on, two of them) and removed: more folders were made than remain.
        Assert.True(SpinWait.SpinUntil(() => { lock (folders) { return folders.Count >= kept.Count + 2; } }, TimeSpan.FromSeconds(30)), $"folders seen: {string.Join(", ", folders)}");
    }
}

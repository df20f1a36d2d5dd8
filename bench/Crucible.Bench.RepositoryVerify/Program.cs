// The time `crucible verify` adds beyond the test runs themselves, on the real repositories of
// ../shared/repos (git bundles), and the time of a second verify on a cached base.
//
//   dotnet run -c Release --project bench/Crucible.Bench.RepositoryVerify -- [--instances N]
//
// For the first N instances of each repository: clone the bundle, check out the fix commit (a clean
// tree, so the base defaults to HEAD~1 = the instance's base commit), and verify with a runner that
// returns at once. What is left is verify's own work: git queries, materialising the base tree from
// git's objects, copying and overlaying one tree per run, classifying the change, grading.
// Baseline printed next to it: `git archive HEAD | tar -x` of the same commit (one plain tree copy).
using System.Diagnostics;
using System.Text.Json;
using Crucible.Core.Verification;
using Crucible.Verification.Repository;

var perRepo = args.SkipWhile(a => a != "--instances").Skip(1).Select(int.Parse).FirstOrDefault(1);
var repo = FindRepo();
var shared = Path.GetFullPath(Path.Combine(repo, "..", "shared", "repos"));
var work = Path.Combine(Path.GetTempPath(), "crucible-bench-verify-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);
try
{
    Console.WriteLine("repo                 instance                              files  runs  archive+tar   verify(1st)  verify(cached)  ratio 1st/archive");
    foreach (var instancesFile in Directory.GetFiles(shared, "*.instances.json").Order())
    {
        var name = Path.GetFileName(instancesFile).Replace(".instances.json", "");
        var clone = Path.Combine(work, name);
        Run(work, "git", "clone", "-q", Path.Combine(shared, name + ".bundle"), clone);
        using var doc = JsonDocument.Parse(File.ReadAllText(instancesFile));
        foreach (var instance in doc.RootElement.EnumerateArray().Take(perRepo))
        {
            var id = instance.GetProperty("instance_id").GetString()!;
            Run(clone, "git", "checkout", "-q", "-f", instance.GetProperty("fix_commit").GetString()!);
            var files = Run(clone, "git", "ls-files").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

            var tar = Path.Combine(work, "tar-" + name);
            Directory.CreateDirectory(tar);
            var clock = Stopwatch.StartNew();
            Run(clone, "sh", "-c", $"git archive HEAD | tar -x -C '{tar}'");
            var archive = clock.Elapsed;
            Directory.Delete(tar, true);

            var cache = Path.Combine(work, "cache-" + name);
            var runner = new InstantRunner();
            var verifier = new RepositoryVerifier(runner, "bench");
            var request = new RepositoryVerifyRequest { RepositoryPath = clone, TestCommand = "bench", CacheDirectory = cache };
            clock.Restart();
            var first = await verifier.VerifyAsync(request, CancellationToken.None);
            var firstTime = clock.Elapsed;
            clock.Restart();
            await verifier.VerifyAsync(request, CancellationToken.None);
            var cachedTime = clock.Elapsed;
            Console.WriteLine($"{name,-20} {id,-38} {files,5}  {first.Runs.Count(r => r.SameAs is null),4}  {archive.TotalMilliseconds,9:F0} ms  {firstTime.TotalMilliseconds,8:F0} ms  {cachedTime.TotalMilliseconds,10:F0} ms  {firstTime / archive,8:F1}x");
        }
    }
}
finally
{
    Directory.Delete(work, true);
}

static string Run(string dir, string file, params string[] args)
{
    var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEnd();
    p.StandardError.ReadToEnd();
    p.WaitForExit();
    return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed in {dir}");
}

static string FindRepo()
{
    var dir = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(dir, "Crucible.slnx")))
    {
        dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("run from inside the repository");
    }
    return dir;
}

/// <summary>Returns one passing test at once: the bench measures verify's own work, not a test run.</summary>
internal sealed class InstantRunner : ITestCommandRunner
{
    public Task<TestCommandRun> RunAsync(string treePath, string testCommand, CancellationToken cancellationToken) =>
        Task.FromResult(new TestCommandRun { Tests = [new TestOutcome("bench", TestOutcomeKind.Passed, TimeSpan.Zero)], CanariesOk = null, EvidenceKind = "none", ExitCode = 0, Sandbox = "none" });
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Repository;

/// <summary>
/// Runs a repository's test command once on one tree in the sandbox (no network) and reads per-test results
/// only from result files it asked the frameworks to write into a harness folder outside the tree. The
/// user's command line is never edited; the requests travel through the environment, so they also reach
/// frameworks started by wrappers (<c>make test</c>, scripts):
/// <list type="bullet">
/// <item>pytest: <c>PYTEST_ADDOPTS</c> adds <c>--junitxml</c>, <c>-o junit_family=xunit1</c> and a harness plugin
/// (importable through <c>PYTHONPATH</c> and a user-site <c>.pth</c>) that adds two canary tests.</item>
/// <item>Go: a <c>go</c> shim first on <c>PATH</c> runs <c>go test</c> with <c>-json</c>, keeps the event stream in a
/// harness file and then prints it; every package directory with tests gets a canary test file.</item>
/// <item>.NET: a <c>dotnet</c> shim first on <c>PATH</c> gives <c>dotnet test</c> a harness results directory and a
/// TRX logger, dropping the command's own TRX loggers and results directory. No canaries.</item>
/// </list>
/// docs/verify.md ("Evidence per runner") states what is enforced and what is not.
/// </summary>
public sealed partial class TestCommandRunner(TestCommandRunnerOptions options) : ITestCommandRunner
{
    /// <summary><see cref="TestCommandRun.EvidenceKind"/> for pytest's JUnit XML.</summary>
    public const string JUnitEvidence = "junit-xml";

    /// <summary><see cref="TestCommandRun.EvidenceKind"/> for <c>go test -json</c> events.</summary>
    public const string GoEvidence = "go-test-json";

    /// <summary><see cref="TestCommandRun.EvidenceKind"/> for Visual Studio TRX files.</summary>
    public const string TrxEvidence = "trx";

    /// <summary>The canary file written into each Go package directory; the leading zeros sort it before the package's own test files.</summary>
    private static string GoCanaryFile(Canaries c) => $"0000_crucible_canary_{c.Id}_test.go";

    /// <inheritdoc />
    public async Task<TestCommandRun> RunAsync(string treePath, string testCommand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(testCommand);
        var tree = Path.GetFullPath(treePath);
        if (!Directory.Exists(tree))
        {
            throw new BadInputException($"The tree to test, {tree}, does not exist.", "Pass the folder of a checked-out copy of the repository.");
        }
        if (string.IsNullOrWhiteSpace(testCommand))
        {
            throw new BadInputException("The test command is empty.", "Give the command that runs the repository's tests, e.g. 'python3 -m pytest tests'.");
        }
        var harness = new Harness(Path.Combine(Path.GetFullPath(options.WorkDirectory), $"crucible-run-{Canaries.RandomHex(8)}"), Canaries.Create());
        if (IsInside(harness.Root, tree))
        {
            throw new BadInputException($"The harness folder {harness.Root} would be inside the tree {tree}, where the test command could plant results.", "Set TestCommandRunnerOptions.WorkDirectory to a folder outside the tree.");
        }
        var goCanaries = new List<string>();
        try
        {
            Directory.CreateDirectory(harness.ReadOnly);
            Directory.CreateDirectory(harness.Out);
            WritePytestPlugin(harness);
            WriteShims(harness);
            goCanaries.AddRange(WriteGoCanaries(tree, harness.Canaries));

            var (env, readOnly) = Toolchains.OfflineDotnet(options.NuGetPackagesDirectory, options.LocalPackageSources);
            // The run never has network, so restores use only local folders, the package cache itself among them (its
            // id/version layout is a NuGet feed). With a remote source listed, a range whose lower bound is not cached
            // (markdig: NUnit >= 4.5.0, 4.6.1 cached) makes NuGet query it and fail with NU1301 instead of taking the cached version.
            if (string.Join(';', new[] { options.NuGetPackagesDirectory }.Concat(options.LocalPackageSources).Where(Directory.Exists).Select(Path.GetFullPath)) is { Length: > 0 } localFeeds)
            {
                env["RestoreSources"] = localFeeds;
            }
            // Go's module and build caches live in the sandbox's fresh /tmp: no cache is shared between runs, so a
            // run cannot poison what a later run (another revision of the tree) builds from.
            env["GOPATH"] = "/tmp/go";
            env["GOCACHE"] = "/tmp/go-cache";
            env["GOPROXY"] = "off";
            env["GOTOOLCHAIN"] = "local";
            env["PYTHONDONTWRITEBYTECODE"] = "1";
            foreach (var (key, value) in options.Environment)
            {
                env[key] = value;
            }
            env["PATH"] = $"{harness.Bin}:{(options.Environment.TryGetValue("PATH", out var path) ? path : Toolchains.SandboxPath)}";
            env["PYTHONPATH"] = options.Environment.TryGetValue("PYTHONPATH", out var pyPath) ? $"{harness.Python}:{pyPath}" : harness.Python;
            env["PYTHONUSERBASE"] = harness.PythonUserBase;
            var addopts = $"--junitxml={harness.Out}/{Canaries.RandomHex(6)}.xml -o junit_family=xunit1 -p {harness.PluginModule}";
            env["PYTEST_ADDOPTS"] = options.Environment.TryGetValue("PYTEST_ADDOPTS", out var own) ? $"{own} {addopts}" : addopts;

            var policy = new SandboxPolicy
            {
                WorkspacePath = tree,
                ReadOnlyPaths = [.. readOnly, .. options.ExtraReadOnlyPaths.Select(Path.GetFullPath), harness.ReadOnly],
                WritablePaths = [harness.Out],
                AllowNetwork = false,
                Environment = env,
                Limits = options.Resources with { WallTime = options.Timeout, Output = options.Output },
            };
            var run = await options.Sandbox.ExecuteAsync(SandboxCommand.Shell(testCommand), policy, cancellationToken).ConfigureAwait(false);
            var evidence = ReadEvidence(tree, harness);
            return new TestCommandRun
            {
                Tests = evidence.Tests,
                CanariesOk = evidence.CanariesOk,
                EvidenceKind = evidence.Kinds.Count == 0 ? null : string.Join(',', evidence.Kinds),
                ResultsError = evidence.Errors.Count == 0 ? null : string.Join("; ", evidence.Errors),
                ExitCode = run.FatalLimit is null && run.Signal is null && run.ExitCode >= 0 ? run.ExitCode : null,
                Log = run.Stdout.Text + run.Stderr.Text,
                LimitHits = run.LimitsHit,
                Duration = run.Elapsed,
                Sandbox = run.Sandbox,
            };
        }
        finally
        {
            // The tree is handed back as the command left it: the harness's canary files go, the harness folder too.
            foreach (var file in goCanaries)
            {
                DeleteBestEffort(file);
            }
            DeleteBestEffort(harness.Root);
        }
    }

    /// <summary>
    /// Deletes a file or folder the command may have tampered with (made read-only, replaced by a folder).
    /// Folder permissions are restored first; what still cannot be deleted is left in the work folder rather
    /// than hiding the run's result behind a clean-up error.
    /// </summary>
    private static void DeleteBestEffort(string path)
    {
        try
        {
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                var pending = new Stack<string>([path]);
                while (pending.TryPop(out var dir))
                {
                    File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    foreach (var sub in new DirectoryInfo(dir).EnumerateDirectories().Where(d => d.LinkTarget is null))
                    {
                        pending.Push(sub.FullName);
                    }
                }
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; see the summary.
        }
    }

    /// <summary>One run's harness folder: <see cref="ReadOnly"/> (plugin, canaries, shims; mounted read-only) and <see cref="Out"/> (result files; the only harness folder the command may write).</summary>
    private sealed record Harness(string Root, Canaries Canaries)
    {
        public string ReadOnly { get; } = Path.Combine(Root, $"h{Canaries.RandomHex(4)}");

        public string Out { get; } = Path.Combine(Root, $"o{Canaries.RandomHex(4)}");

        public string Bin => Path.Combine(ReadOnly, "bin");

        public string Python => Path.Combine(ReadOnly, "py");

        public string PythonUserBase => Path.Combine(ReadOnly, "pyuser");

        public string PluginModule => $"crucible_harness_{Canaries.Id}";

        public string PassName => $"test_passes_{Canaries.Id}";

        public string FailName => $"test_fails_{Canaries.Id}";

        public string GoPassName => $"TestCruciblePasses_{Canaries.Id}";

        public string GoFailName => $"TestCrucibleFails_{Canaries.Id}";
    }

    /// <summary>Python minor versions whose user site gets the <c>.pth</c> line (a command that sets its own <c>PYTHONPATH</c> still finds the plugin).</summary>
    private static readonly int[] PythonMinors = [.. Enumerable.Range(6, 15)];

    private static void WritePytestPlugin(Harness h)
    {
        Directory.CreateDirectory(h.Python);
        var canary = Path.Combine(h.Python, $"test_crucible_canary_{h.Canaries.Id}.py");
        File.WriteAllText(canary, $"""
            # Harness canaries: one must pass, one must fail with the nonce.
            def {h.PassName}():
                assert abs(-4) == 4


            def {h.FailName}():
                raise AssertionError("{h.Canaries.Nonce}")

            """);
        File.WriteAllText(Path.Combine(h.Python, h.PluginModule + ".py"), $$"""
            # Crucible harness plugin (loaded with -p from PYTEST_ADDOPTS).
            import os
            import pathlib

            import pytest

            _CANARY = pathlib.Path({{JsonSerializer.Serialize(canary)}})
            _OUT = {{JsonSerializer.Serialize(h.Out)}}
            _COUNT = [0]


            _FAIL_ID = "crucible-canary/" + _CANARY.name + "::" + {{JsonSerializer.Serialize(h.FailName)}}
            _SESSION = []


            @pytest.hookimpl(tryfirst=True)
            def pytest_configure(config):
                # Runs before the junitxml plugin reads the option: every session writes its own file in the
                # harness folder, even when the command passes its own --junitxml.
                _COUNT[0] += 1
                config.option.xmlpath = os.path.join(_OUT, "s%d-%d.xml" % (os.getpid(), _COUNT[0]))


            def pytest_sessionstart(session):
                _SESSION[:] = [session]


            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_logreport(report):
                # A wrapper runs before the session counts the failure: the must-fail canary neither uses up an
                # -x / --maxfail budget nor changes pytest's exit status (wrappers go on as without the harness).
                if report.failed and report.nodeid == _FAIL_ID and _SESSION:
                    _SESSION[0].testsfailed -= 1
                yield


            @pytest.hookimpl(trylast=True)
            def pytest_collection_modifyitems(session, config, items):
                # Last, after -k/-m deselection: the canaries always run, first, whatever the selection.
                module = pytest.Module.from_parent(session, path=_CANARY, nodeid="crucible-canary/" + _CANARY.name)
                items[0:0] = [pytest.Function.from_parent(module, name=n) for n in ({{JsonSerializer.Serialize(h.PassName)}}, {{JsonSerializer.Serialize(h.FailName)}})]

            """);
        foreach (var minor in PythonMinors)
        {
            var site = Path.Combine(h.PythonUserBase, "lib", $"python3.{minor}", "site-packages");
            Directory.CreateDirectory(site);
            File.WriteAllText(Path.Combine(site, $"crucible_harness_{h.Canaries.Id}.pth"), h.Python + "\n");
        }
    }

    private static void WriteShims(Harness h)
    {
        Directory.CreateDirectory(h.Bin);
        var realGo = Toolchains.SandboxPath.Split(':').Select(d => Path.Combine(d, "go")).FirstOrDefault(File.Exists);
        if (realGo is not null)
        {
            WriteExecutable(Path.Combine(h.Bin, "go"), $$"""
                #!/bin/sh
                # Crucible harness: `go test` also writes its -json event stream to a harness file, then prints it.
                real={{Quote(realGo)}}
                if [ "$1" = test ]; then
                    shift
                    events=$(mktemp -p {{Quote(h.Out)}} go-XXXXXXXXXX) || exit 125
                    "$real" test -json "$@" > "$events"
                    status=$?
                    cat "$events"
                    # Exit 1 caused only by the must-fail canaries becomes 0, so wrappers go on as without the
                    # harness: every failed test is the canary, and every failed package had its canary fail.
                    # (Quotes inside Output strings are escaped, so only real event fields match.)
                    if [ $status -eq 1 ] && awk -v canary='"Test":"{{h.GoFailName}}"' '
                        /^FAIL\t.*\[(build|setup) failed\]$/ { other = 1 }
                        /"Action":"fail"/ {
                            pkg = ""
                            if (match($0, /"Package":"[^"]*"/)) pkg = substr($0, RSTART + 11, RLENGTH - 12)
                            if ($0 ~ /"Test":"/) { if (index($0, canary)) failed[pkg] = 1; else other = 1 }
                            else packages[pkg] = 1
                        }
                        END { for (p in packages) if (!(p in failed)) other = 1; exit other }' "$events"; then
                        status=0
                    fi
                    exit $status
                fi
                exec "$real" "$@"

                """);
        }
        WriteExecutable(Path.Combine(h.Bin, "dotnet"), $"""
            #!/bin/sh
            # Crucible harness: `dotnet test` writes TRX files into a harness folder; the command's own TRX
            # loggers and results directory are dropped (other loggers are kept).
            real={Quote(Toolchains.DotnetExe)}
            if [ "$1" = test ]; then
                shift
                pending=
                for a; do
                    shift
                    if [ -n "$pending" ]; then
                        case "$pending:$a" in
                            --results-directory:*) ;;
                            *:trx*) ;;
                            *) set -- "$@" "$pending" "$a" ;;
                        esac
                        pending=
                        continue
                    fi
                    case "$a" in
                        --logger|-l|--results-directory) pending=$a ;;
                        --results-directory[:=]*|--logger[:=]trx*|-l[:=]trx*) ;;
                        *) set -- "$@" "$a" ;;
                    esac
                done
                results=$(mktemp -d -p {Quote(h.Out)} trx-XXXXXXXXXX) || exit 125
                exec "$real" test --results-directory "$results" --logger "trx;LogFilePrefix=r" "$@"
            fi
            exec "$real" "$@"

            """);
    }

    private static void WriteExecutable(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Writes a canary test file into every directory Go could build as a package with tests (directories
    /// named <c>testdata</c> or <c>vendor</c>, or starting with <c>.</c> or <c>_</c>, are skipped as <c>go</c>
    /// skips them; links are not followed). The package clause is the directory's most common one, preferring
    /// the in-package one, whose tests run before the external <c>_test</c> package's.
    /// </summary>
    private static List<string> WriteGoCanaries(string tree, Canaries canaries)
    {
        var written = new List<string>();
        var pending = new Stack<string>([tree]);
        while (pending.TryPop(out var dir))
        {
            var goFiles = new List<string>();
            var hasTests = false;
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }
                if (entry is DirectoryInfo d)
                {
                    if (d.Name is not ("testdata" or "vendor") && d.Name[0] is not ('.' or '_'))
                    {
                        pending.Push(d.FullName);
                    }
                }
                else if (entry.Name.EndsWith(".go", StringComparison.Ordinal) && entry.Name[0] is not ('.' or '_'))
                {
                    goFiles.Add(entry.FullName);
                    hasTests |= entry.Name.EndsWith("_test.go", StringComparison.Ordinal);
                }
            }
            if (!hasTests)
            {
                continue;
            }
            // The clause most files of the directory share, in-package before external "_test"; ties go to the
            // first file by name. Files behind a build constraint count only when every file has one: a
            // "//go:build ignore" generator in package main must not decide the package.
            var heads = goFiles.Order(StringComparer.Ordinal).Select(ReadHead).ToList();
            var unconstrained = heads.Where(h => !BuildConstraint().IsMatch(h)).ToList();
            var clauses = (unconstrained.Count > 0 ? unconstrained : heads)
                .Select(h => PackageClause().Match(h))
                .Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
            var package = clauses.GroupBy(c => c, StringComparer.Ordinal)
                .OrderBy(g => g.Key.EndsWith("_test", StringComparison.Ordinal))
                .ThenByDescending(g => g.Count())
                .Select(g => g.Key).FirstOrDefault();
            if (package is null)
            {
                continue;
            }
            var file = Path.Combine(dir, GoCanaryFile(canaries));
            File.WriteAllText(file, $$"""
                package {{package}}

                // Crucible harness canaries: one must pass, one must fail with the nonce.
                import "testing"

                func TestCruciblePasses_{{canaries.Id}}(t *testing.T) {
                	if 2+2 != 4 {
                		t.Fatal("arithmetic")
                	}
                }

                func TestCrucibleFails_{{canaries.Id}}(t *testing.T) {
                	t.Fatal("{{canaries.Nonce}}")
                }

                """);
            written.Add(file);
        }
        return written;
    }

    /// <summary>How much of a Go test file is read to find its package clause (after the licence header, comments and build constraints).</summary>
    private const int GoHeadBytes = 64 * 1024;

    /// <summary>The start of a Go file, enough for its package clause.</summary>
    private static string ReadHead(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[GoHeadBytes];
        var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }

    private sealed record Evidence(IReadOnlyList<TestOutcome> Tests, bool? CanariesOk, IReadOnlyList<string> Kinds, IReadOnlyList<string> Errors);

    /// <summary>Reads every result file in the harness output folder (links and other non-regular files count as not written).</summary>
    private Evidence ReadEvidence(string tree, Harness h)
    {
        var files = ListFiles(h.Out);
        var errors = new List<string>();
        if (files.Count > options.MaxResultFiles)
        {
            errors.Add($"{files.Count} files in the harness result folder, over the limit of {options.MaxResultFiles}; none read");
            return new Evidence([], false, [], errors);
        }
        var tests = new Dictionary<string, TestOutcome>(StringComparer.Ordinal);
        var kinds = new List<string>();
        var canaryChecks = new List<bool>();
        var goPackages = new List<GoPackageResults>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(h.Out, file);
            var kind = relative.StartsWith("go-", StringComparison.Ordinal) ? GoEvidence
                : relative.StartsWith("trx-", StringComparison.Ordinal) && file.EndsWith(".trx", StringComparison.Ordinal) ? TrxEvidence
                : !relative.Contains('/', StringComparison.Ordinal) && file.EndsWith(".xml", StringComparison.Ordinal) ? JUnitEvidence
                : null;
            if (kind is null)
            {
                continue; // Not a file the harness asked for (a framework's side file, or debris).
            }
            try
            {
                switch (kind)
                {
                    case JUnitEvidence:
                        var junit = TestResultFiles.ReadJUnit(file);
                        canaryChecks.Add(PytestCanariesOk(junit, h));
                        foreach (var r in junit.Where(r => !IsPytestCanary(r, h)))
                        {
                            Merge(tests, new TestOutcome(PytestNodeId(r, tree), r.Outcome, r.Duration, r.Message));
                        }
                        break;
                    case GoEvidence:
                        goPackages.AddRange(TestResultFiles.ReadGoTestPackages(file));
                        break;
                    default:
                        foreach (var r in TestResultFiles.ReadTrxQualified(file))
                        {
                            Merge(tests, new TestOutcome(r.Name, r.Outcome, r.Duration, r.Message));
                        }
                        break;
                }
                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }
            }
            catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException or IOException)
            {
                errors.Add($"{relative}: {e.Message.Replace(h.Out + "/", "", StringComparison.Ordinal)}");
                if (kind != TrxEvidence)
                {
                    canaryChecks.Add(false); // An unreadable pytest or Go result file is a broken results channel.
                }
            }
        }
        if (goPackages.Count > 0)
        {
            canaryChecks.Add(GoResults(goPackages, h, tests));
        }
        if (kinds.Count == 0 && errors.Count == 0)
        {
            errors.Add("no result file was written: the command ran no test framework the harness can read (pytest, go test, dotnet test), or the run stopped it before it reported");
        }
        // Null only when the sole evidence is TRX (no .NET canaries); no evidence at all means nothing planted came back.
        bool? canariesOk = canaryChecks.Count > 0 ? canaryChecks.All(ok => ok) : kinds.Count > 0 ? null : false;
        return new Evidence([.. tests.Values.OrderBy(t => t.Name, StringComparer.Ordinal)], canariesOk, kinds, errors);
    }

    /// <summary>Regular files under <paramref name="root"/>, not following links.</summary>
    private static List<string> ListFiles(string root)
    {
        var files = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var dir))
        {
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo && entry.LinkTarget is null)
                {
                    pending.Push(entry.FullName);
                }
                else if (entry is FileInfo)
                {
                    files.Add(entry.FullName); // Links included: the reader reports them as not written.
                }
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// Keeps one outcome per id when a test is reported more than once (several sessions, several files):
    /// a failure anywhere wins, then a pass, then a skip.
    /// </summary>
    private static void Merge(Dictionary<string, TestOutcome> tests, TestOutcome outcome)
    {
        static int Rank(TestOutcomeKind k) => k switch { TestOutcomeKind.Failed => 3, TestOutcomeKind.Passed => 2, TestOutcomeKind.Skipped => 1, _ => 0 };
        if (!tests.TryGetValue(outcome.Name, out var existing) || Rank(outcome.Outcome) > Rank(existing.Outcome))
        {
            tests[outcome.Name] = outcome;
        }
    }

    private static bool IsPytestCanary(RawTestResult r, Harness h) =>
        r.Name.EndsWith("." + h.PassName, StringComparison.Ordinal) || r.Name.EndsWith("." + h.FailName, StringComparison.Ordinal);

    private static bool PytestCanariesOk(IReadOnlyList<RawTestResult> results, Harness h)
    {
        var pass = results.Where(r => r.Name.EndsWith("." + h.PassName, StringComparison.Ordinal)).ToList();
        var fail = results.Where(r => r.Name.EndsWith("." + h.FailName, StringComparison.Ordinal)).ToList();
        return pass is [{ Outcome: TestOutcomeKind.Passed }] && fail is [{ Outcome: TestOutcomeKind.Failed, Message: { } m }] && m.Contains(h.Canaries.Nonce, StringComparison.Ordinal);
    }

    /// <summary>
    /// Rebuilds pytest's node id (<c>path/test_x.py::Class::test[param]</c>) from a JUnit entry. pytest writes
    /// <c>classname</c> = the node id's path with <c>/</c> as <c>.</c> and no <c>.py</c>, then the classes; and
    /// (family xunit1) <c>file</c> = the file the test is defined in. When <c>file</c> matches the classname's
    /// start, it is the path; otherwise (a test inherited from another module, or no <c>file</c>) the longest
    /// classname prefix that names a <c>.py</c> file in the tree is the path. Node ids are relative to pytest's
    /// rootdir, which this assumes is the tree root when it has to look files up.
    /// </summary>
    private static string PytestNodeId(RawTestResult r, string tree)
    {
        var cls = r.ClassName ?? "";
        var name = cls.Length > 0 && r.Name.StartsWith(cls + ".", StringComparison.Ordinal) ? r.Name[(cls.Length + 1)..] : r.Name;
        if (r.File is { Length: > 3 } file && file.EndsWith(".py", StringComparison.Ordinal))
        {
            var module = file[..^3].Replace('/', '.');
            if (cls == module)
            {
                return $"{file}::{name}";
            }
            if (cls.StartsWith(module + ".", StringComparison.Ordinal))
            {
                return $"{file}::{cls[(module.Length + 1)..].Replace(".", "::", StringComparison.Ordinal)}::{name}";
            }
            if (cls.Length == 0 && name == module)
            {
                return file; // A module that failed to collect.
            }
        }
        var parts = cls.Split('.', StringSplitOptions.RemoveEmptyEntries);
        for (var k = parts.Length; k > 0; k--)
        {
            var candidate = string.Join('/', parts[..k]) + ".py";
            if (File.Exists(Path.Combine(tree, candidate)))
            {
                return string.Join("::", [candidate, .. parts[k..], name]);
            }
        }
        return cls.Length > 0 ? $"{cls}::{name}" : name;
    }

    /// <summary>
    /// Adds the Go results to <paramref name="tests"/> and checks the canaries. Every package that reported a
    /// test, or that passed, must carry both canaries as planted (so a package whose <c>TestMain</c> exits
    /// before running tests is caught). A package that failed without reporting any test (build or setup
    /// failure, a <c>TestMain</c> exiting non-zero) contributes nothing that passes: it is reported as the
    /// failed pseudo-test <c>package:&lt;import path&gt;</c> and needs no canaries. Test ids carry the
    /// package (<c>path::TestX</c>) only when results come from more than one package.
    /// </summary>
    private static bool GoResults(List<GoPackageResults> events, Harness h, Dictionary<string, TestOutcome> tests)
    {
        var ok = true;
        var results = new List<(string Package, RawTestResult Result)>();
        foreach (var package in events.GroupBy(p => p.Package, StringComparer.Ordinal))
        {
            var reported = package.SelectMany(p => p.Tests).ToList();
            var outcomes = package.Select(p => p.Outcome).ToList();
            if (reported.Count == 0)
            {
                if (outcomes.Contains(TestOutcomeKind.Passed))
                {
                    ok = false; // Passed without running even the canaries.
                }
                else if (outcomes.Contains(TestOutcomeKind.Failed))
                {
                    results.Add((package.Key, new RawTestResult($"package:{package.Key}", TestOutcomeKind.Failed, TimeSpan.Zero, string.Join("", package.Select(p => p.Output)))));
                }
                continue;
            }
            var pass = reported.Where(r => r.Name == h.GoPassName).ToList();
            var fail = reported.Where(r => r.Name == h.GoFailName).ToList();
            ok &= pass.Count > 0 && pass.All(r => r.Outcome == TestOutcomeKind.Passed)
                && fail.Count > 0 && fail.All(r => r.Outcome == TestOutcomeKind.Failed && r.Message?.Contains(h.Canaries.Nonce, StringComparison.Ordinal) == true);
            results.AddRange(reported.Where(r => r.Name != h.GoPassName && r.Name != h.GoFailName).Select(r => (package.Key, r)));
        }
        var qualify = results.Select(r => r.Package).Distinct(StringComparer.Ordinal).Count() > 1;
        foreach (var (package, r) in results)
        {
            var id = qualify && !r.Name.StartsWith("package:", StringComparison.Ordinal) ? $"{package}::{r.Name}" : r.Name;
            Merge(tests, new TestOutcome(id, r.Outcome, r.Duration, r.Message));
        }
        return ok;
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    [GeneratedRegex(@"(?m)^package\s+(\w+)")]
    private static partial Regex PackageClause();

    [GeneratedRegex(@"(?m)^//(go:build|\s*\+build)\s")]
    private static partial Regex BuildConstraint();
}

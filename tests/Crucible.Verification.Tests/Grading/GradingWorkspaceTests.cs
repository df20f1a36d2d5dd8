using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Grading;

public class GradingWorkspaceTests
{
    private static (TaskSpec Task, TempDirectory Source) NewTask()
    {
        var src = new TempDirectory("task-src");
        var task = new TaskSpec
        {
            Id = "t",
            Language = "csharp",
            SourcePath = src.Path,
            Instructions = "x",
            StartingFiles =
            [
                new TaskFile("Sol.cs", src.Write("Sol.cs", "stub")),
                new TaskFile("SolTests.cs", src.Write("SolTests.cs", "tests")),
                new TaskFile("Sol.csproj", src.Write("Sol.csproj", "<Project />")),
            ],
            TestFiles = [new TaskFile("SolTests.cs", src["SolTests.cs"])],
            Editable = ["Sol.cs", "extra/*.cs"],
            Runner = new TestRunnerSpec { Kind = RunnerKinds.DotnetXunit },
        };
        return (task, src);
    }

    [Fact]
    public void Takes_only_editable_files_from_the_candidate_and_restores_protected_tests()
    {
        var (task, src) = NewTask();
        using var _ = src;
        using var candidate = new TempDirectory("candidate");
        using var grading = new TempDirectory("grading");
        candidate.Write("Sol.cs", "solution");
        candidate.Write("SolTests.cs", "tests [Fact(Skip=\"hacked\")]");
        candidate.Write("Sol.csproj", "<Project><ItemGroup><Analyzer Include=\"evil.dll\" /></ItemGroup></Project>");
        candidate.Write("extra/Helper.cs", "helper");
        candidate.Write("Injected.cs", "[Fact] public void Fake() {}");
        candidate.Write("bin/Debug/junk.dll", "ignored build output");

        var inputs = GradingWorkspace.Compose(task, candidate.Path, grading.Path);

        Assert.Equal([new TamperFlag("SolTests.cs", "modified")], inputs.Tampering);
        Assert.Equal(["Injected.cs", "Sol.csproj"], inputs.OutOfScope.Order());
        Assert.Equal("solution", File.ReadAllText(grading["Sol.cs"]));
        Assert.Equal("tests", File.ReadAllText(grading["SolTests.cs"]));
        Assert.Equal("<Project />", File.ReadAllText(grading["Sol.csproj"]));
        Assert.Equal("helper", File.ReadAllText(grading["extra/Helper.cs"]));
        Assert.False(File.Exists(grading["Injected.cs"]));
        Assert.False(Directory.Exists(grading["bin"]));
    }

    [Fact]
    public void Deleted_tests_are_flagged_and_restored()
    {
        var (task, src) = NewTask();
        using var _ = src;
        using var candidate = new TempDirectory("candidate");
        using var grading = new TempDirectory("grading");
        candidate.Write("Sol.cs", "solution");

        var inputs = GradingWorkspace.Compose(task, candidate.Path, grading.Path);

        Assert.Equal([new TamperFlag("SolTests.cs", "deleted")], inputs.Tampering);
        Assert.Equal("tests", File.ReadAllText(grading["SolTests.cs"]));
    }

    [Fact]
    public void A_symlink_to_a_host_secret_is_never_followed()
    {
        var (task, src) = NewTask();
        using var _ = src;
        using var candidate = new TempDirectory("candidate");
        using var grading = new TempDirectory("grading");
        using var secretDir = new TempDirectory("secret");
        var secret = secretDir.Write("id_rsa", "PRIVATE-KEY-" + Guid.NewGuid());
        File.CreateSymbolicLink(candidate["Sol.cs"], secret);
        File.CreateSymbolicLink(candidate["SolTests.cs"], secret);

        var inputs = GradingWorkspace.Compose(task, candidate.Path, grading.Path);

        Assert.Contains("Sol.cs (symbolic link, not followed)", inputs.Refused);
        Assert.Contains(new TamperFlag("SolTests.cs", "replaced by a non-regular file"), inputs.Tampering);
        var everything = string.Concat(Directory.EnumerateFiles(grading.Path, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain("PRIVATE-KEY", everything);
        Assert.False(File.Exists(grading["Sol.cs"]), "a deleted (unreadable) editable file stays deleted");
    }

    [Fact]
    public void Oversized_candidate_files_are_refused()
    {
        var (task, src) = NewTask();
        using var _ = src;
        using var candidate = new TempDirectory("candidate");
        using var grading = new TempDirectory("grading");
        candidate.Write("Sol.cs", new string('x', 2048));

        var inputs = GradingWorkspace.Compose(task, candidate.Path, grading.Path, new CandidateLimits { MaxFileBytes = 1024 });

        Assert.Contains("Sol.cs (2048 bytes, over the 1024-byte limit)", inputs.Refused);
        Assert.Equal("stub", File.ReadAllText(grading["Sol.cs"]));
    }
}

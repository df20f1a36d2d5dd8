using Crucible.Testing;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository;

/// <summary>The one git runner starts git the way every child process of Crucible starts: in its own process group.</summary>
public sealed class GitRepositoryTests : IDisposable
{
    private readonly TempDirectory _repo = new("git-repository");

    public GitRepositoryTests() => TestGit.Run(_repo.Path, "init", "-q");

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void Git_and_what_it_spawns_run_in_their_own_process_group_not_the_harness_group()
    {
        var git = GitRepository.Open(_repo.Path, TimeSpan.FromMinutes(2));

        // A shell alias makes git spawn a child; that child reports its own process group and session from /proc.
        var (exit, output, error) = git.Bytes(null, "-c", "alias.whoami=!cat /proc/self/stat", "whoami");

        Assert.True(exit == 0, error);
        var child = ProcStat(System.Text.Encoding.UTF8.GetString(output));
        var harness = ProcStat(File.ReadAllText("/proc/self/stat"));
        Assert.NotEqual(harness.Group, child.Group);
        Assert.NotEqual(harness.Session, child.Session);
        // setsid made git itself the leader: the group is the session, and it is an ancestor of the reporting child.
        Assert.Equal(child.Session, child.Group);
    }

    /// <summary>The process group and session fields of a <c>/proc/PID/stat</c> line (after the parenthesised command).</summary>
    private static (int Group, int Session) ProcStat(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
    }
}

using Crucible.Core.Sandbox;

namespace Crucible.Sandbox.Tests.Battery;

/// <summary>Resource attacks: each is stopped by the limit named in the result, and leaves nothing running on the host.</summary>
public sealed class ResourceAttackTests : IDisposable
{
    private readonly SandboxHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_fork_bomb_is_stopped_by_the_process_limit_and_leaves_no_process_behind()
    {
        var marker = SandboxHarness.NewMarker();
        var result = await _h.RunAsync(
            $"sh -c 'bomb() {{ bomb | bomb & }}; bomb; sleep 60' {marker} 2>/dev/null",
            l => l with { MaxProcesses = 64, WallTime = TimeSpan.FromSeconds(10) });

        Assert.False(result.Succeeded);
        Assert.Contains(result.LimitsHit, l => l is LimitKind.Processes or LimitKind.WallTime);
        Assert.Empty(SandboxHarness.HostProcessesWith(marker));
    }

    [Fact]
    public async Task A_memory_bomb_is_killed_by_the_memory_limit()
    {
        var result = await _h.RunAsync(
            "python3 -c 'b=[]\nwhile True: b.append(bytearray(16*1024*1024))'",
            l => l with { MemoryBytes = 256L << 20 });

        Assert.False(result.Succeeded);
        Assert.Equal(LimitKind.Memory, result.FatalLimit);
        Assert.True(result.PeakMemoryBytes is null or <= (256L << 20) + (64L << 20), $"peak {result.PeakMemoryBytes}");
    }

    [Fact]
    public async Task An_infinite_loop_is_stopped_by_the_wall_clock()
    {
        var result = await _h.RunAsync("while :; do :; done", l => l with { WallTime = TimeSpan.FromSeconds(2) });

        Assert.Equal(LimitKind.WallTime, result.FatalLimit);
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task A_busy_loop_is_stopped_by_the_cpu_limit_before_the_wall_clock()
    {
        var result = await _h.RunAsync("while :; do :; done", l => l with { CpuTime = TimeSpan.FromSeconds(1), WallTime = TimeSpan.FromSeconds(60) });

        Assert.Equal(LimitKind.CpuTime, result.FatalLimit);
    }

    [Fact]
    public async Task A_process_that_ignores_sigterm_is_killed_and_gone()
    {
        var marker = SandboxHarness.NewMarker();
        var result = await _h.RunAsync(
            $"exec sh -c 'trap \"\" TERM; while :; do sleep 1; done' {marker}",
            l => l with { WallTime = TimeSpan.FromSeconds(2) });

        Assert.Equal(LimitKind.WallTime, result.FatalLimit);
        Assert.Equal(9, result.Signal);
        Assert.Empty(SandboxHarness.HostProcessesWith(marker));
    }

    [Fact]
    public async Task Ten_gigabytes_of_output_keep_only_the_head_and_the_tail()
    {
        const long tenGiB = 10L << 30;
        var result = await _h.RunAsync($"head -c {tenGiB} /dev/zero; echo END", l => l with { WallTime = TimeSpan.FromMinutes(5) });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(tenGiB + 4, result.Stdout.TotalBytes);
        Assert.True(result.Stdout.Truncated);
        Assert.Equal(OutputLimits.Default.HeadBytes, result.Stdout.Head.Length);
        Assert.Equal(OutputLimits.Default.TailBytes, result.Stdout.Tail.Length);
        Assert.EndsWith("\0\0\0END\n", result.Stdout.Tail, StringComparison.Ordinal);
        Assert.Contains(LimitKind.Output, result.LimitsHit);
    }

    [Fact]
    public async Task One_huge_line_is_cut_at_head_and_tail()
    {
        var result = await _h.RunAsync("python3 -c \"import sys; sys.stdout.write('a' * (50 << 20) + 'Z')\"");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal((50L << 20) + 1, result.Stdout.TotalBytes);
        Assert.Equal((50L << 20) + 1 - OutputLimits.Default.HeadBytes - OutputLimits.Default.TailBytes, result.Stdout.OmittedBytes);
        Assert.EndsWith("aZ", result.Stdout.Tail, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Stdout.Head);
    }

    [Fact]
    public async Task Filling_the_disk_is_stopped_and_the_host_keeps_its_space()
    {
        var result = await _h.RunAsync(
            "dd if=/dev/zero of=fill bs=1M count=4096 2>&1; dd if=/dev/zero of=fill2 bs=1M count=4096 2>&1",
            l => l with { MaxDiskBytes = 64L << 20, MaxFileSizeBytes = 48L << 20 });

        Assert.Contains(result.LimitsHit, l => l is LimitKind.Disk or LimitKind.FileSize);
        var written = Directory.EnumerateFiles(_h.Workspace.Path).Sum(f => new FileInfo(f).Length);
        Assert.True(written <= 128L << 20, $"{written} bytes reached the host workspace");
    }

    [Fact]
    public async Task Exhausting_file_descriptors_hits_the_open_file_limit_inside_only()
    {
        var result = await _h.RunAsync(
            "python3 -c \"\nimport os\nfds=[]\ntry:\n    while True: fds.append(os.open('/dev/null', os.O_RDONLY))\nexcept OSError as e:\n    print('EMFILE' if e.errno == 24 else e, len(fds))\n\"",
            l => l with { MaxOpenFiles = 64 });

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("EMFILE", result.Stdout.Text, StringComparison.Ordinal);
        var opened = int.Parse(result.Stdout.Text.Split(' ')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(opened < 64, $"opened {opened} descriptors");
    }
}

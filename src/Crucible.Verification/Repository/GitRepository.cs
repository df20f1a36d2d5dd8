using System.Diagnostics;
using System.Text;
using Crucible.Core;

namespace Crucible.Verification.Repository;

/// <summary>
/// Read-only git queries on the user's repository, run by the harness (never by the candidate). Optional
/// locks are off, so no query rewrites the index; git never prompts or pages. The one git runner of Crucible:
/// <c>verify</c>, <c>review</c> and the constitution's change sets all go through it.
/// </summary>
public sealed class GitRepository
{
    private readonly TimeSpan _timeout;

    private GitRepository(string root, TimeSpan timeout)
    {
        Root = root;
        _timeout = timeout;
    }

    /// <summary>The repository's top-level folder.</summary>
    public string Root { get; }

    /// <summary>Opens the git working tree holding <paramref name="path"/>.</summary>
    /// <exception cref="BadInputException">The path is missing or not inside a git working tree.</exception>
    public static GitRepository Open(string path, TimeSpan timeout) =>
        TryOpen(path, timeout) ?? throw new BadInputException($"'{path}' is not inside a git working tree", "run crucible verify inside a git repository, or pass its folder as PATH");

    /// <summary>Opens the git working tree holding <paramref name="path"/>, or returns null when it is in none.</summary>
    /// <exception cref="BadInputException">The path is missing, or git cannot be started.</exception>
    public static GitRepository? TryOpen(string path, TimeSpan timeout)
    {
        if (!Directory.Exists(path))
        {
            throw new BadInputException($"'{path}' does not exist or is not a folder", "pass the folder of a git repository (default: the current folder)");
        }
        var probe = new GitRepository(Path.GetFullPath(path), timeout);
        var (exit, top) = probe.Text("rev-parse", "--show-toplevel");
        return exit != 0 || top.Trim().Length == 0 ? null : new GitRepository(top.Trim(), timeout);
    }

    /// <summary>The commit <paramref name="revision"/> names, or null when it names none.</summary>
    public string? ResolveCommit(string revision)
    {
        var (exit, sha) = Text("rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}");
        return exit == 0 && sha.Trim().Length > 0 ? sha.Trim() : null;
    }

    /// <summary>True when the working tree differs from <c>HEAD</c>: tracked changes, staged or not, or untracked files git does not ignore.</summary>
    public bool IsDirty() => Bytes("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=all").Output.Length > 0;

    /// <summary>Tracked paths that differ between <paramref name="baseCommit"/> and the working tree, with git's status letter.</summary>
    public IReadOnlyList<(char Status, string Path)> DiffAgainstWorkingTree(string baseCommit)
    {
        var parts = Split(Check(Bytes("diff", "--name-status", "-z", "--no-renames", "--ignore-submodules=all", baseCommit, "--"), "diff"));
        var result = new List<(char, string)>();
        for (var i = 0; i + 1 < parts.Count; i += 2)
        {
            result.Add((parts[i][0], parts[i + 1]));
        }
        return result;
    }

    /// <summary>Untracked files that git does not ignore.</summary>
    public IReadOnlyList<string> UntrackedFiles() => Split(Check(Bytes("ls-files", "--others", "--exclude-standard", "-z"), "ls-files"));

    /// <summary>
    /// Writes every file of <paramref name="commit"/> under <paramref name="destination"/>: blobs byte for byte,
    /// executable bits and symbolic links kept, submodules left out. No attributes, filters or hooks apply.
    /// </summary>
    public async Task ExtractAsync(string commit, string destination, CancellationToken cancellationToken)
    {
        var entries = new List<(string Mode, string Sha, string Path)>();
        foreach (var line in Split(Check(Bytes("ls-tree", "-r", "-z", "--full-tree", commit), "ls-tree")))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var meta = line[..tab].Split(' ');
            if (meta[1] == "blob")
            {
                entries.Add((meta[0], meta[2], line[(tab + 1)..]));
            }
        }
        using var process = Start(["cat-file", "--batch"], redirectInput: true);
        using var kill = cancellationToken.Register(() => TryKill(process));
        var feed = Task.Run(async () =>
        {
            foreach (var e in entries)
            {
                await process.StandardInput.WriteAsync(e.Sha + "\n").ConfigureAwait(false);
            }
            process.StandardInput.Close();
        }, CancellationToken.None);
        var output = process.StandardOutput.BaseStream;
        foreach (var (mode, _, rel) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var header = await ReadLineAsync(output, cancellationToken).ConfigureAwait(false);
            var size = long.Parse(header.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
            var target = Path.Combine(destination, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (mode == "120000")
            {
                var buffer = new byte[size];
                await output.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                File.CreateSymbolicLink(target, Encoding.UTF8.GetString(buffer));
            }
            else
            {
                await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                {
                    await CopyExactlyAsync(output, file, size, cancellationToken).ConfigureAwait(false);
                }
                if (mode == "100755")
                {
                    File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }
            await ReadLineAsync(output, cancellationToken).ConfigureAwait(false); // the newline after each object
        }
        await feed.ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyExactlyAsync(Stream from, Stream to, long count, CancellationToken ct)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var n = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("git cat-file ended early");
            }
            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            count -= n;
        }
    }

    private static async Task<string> ReadLineAsync(Stream s, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await s.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                throw new IOException("git cat-file ended early");
            }
            if (one[0] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add(one[0]);
        }
    }

    private byte[] Check((int Exit, byte[] Output, string Error) r, string what) =>
        r.Exit == 0 ? r.Output : throw new InvalidOperationException($"git {what} failed in {Root}: {r.Error.Trim()}");

    private static List<string> Split(byte[] z) => Encoding.UTF8.GetString(z).Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();

    private (int Exit, string Output) Text(params string[] args)
    {
        var r = Bytes(args);
        return (r.Exit, Encoding.UTF8.GetString(r.Output));
    }

    private (int Exit, byte[] Output, string Error) Bytes(params string[] args) => Bytes(null, args);

    /// <summary>Runs git with extra environment variables (e.g. a temporary <c>GIT_INDEX_FILE</c>) and returns its exit code, output and error text.</summary>
    /// <exception cref="BadInputException">git cannot be started, or it ran longer than the timeout (its process tree is killed).</exception>
    public (int Exit, byte[] Output, string Error) Bytes(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(args, redirectInput: false, environment);
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var err = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(_timeout))
        {
            TryKill(process);
            throw new BadInputException($"git {string.Join(' ', args)} did not finish within {_timeout}", "check the repository (a very large repository or a hung git process)");
        }
        copy.Wait();
        err.Wait();
        return (process.ExitCode, stdout.ToArray(), err.Result);
    }

    private Process Start(IEnumerable<string> args, bool redirectInput, IReadOnlyDictionary<string, string>? environment = null)
    {
        // git runs in its own session and process group (util-linux setsid execs in place, since this child is not a
        // group leader), so a Ctrl-C sent to the terminal's group reaches Crucible alone and a kill of the tree on
        // timeout or cancellation takes git's own children (hooks are off, but aliases and helpers can spawn) with it.
        var psi = new ProcessStartInfo(File.Exists(SetsidPath) ? SetsidPath : "git")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        if (psi.FileName == SetsidPath)
        {
            psi.ArgumentList.Add("git");
        }
        foreach (var a in new[] { "-c", "core.quotepath=off" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_PAGER"] = "cat";
        // Queries must not rewrite the user's index (git status would otherwise refresh it).
        psi.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        try
        {
            return Process.Start(psi) ?? throw new BadInputException("could not start git", "install git and make sure it is on PATH");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BadInputException($"could not start git: {e.Message}", "install git and make sure it is on PATH");
        }
    }

    /// <summary>util-linux <c>setsid</c> (Debian's path), used to start git in its own process group when present.</summary>
    private const string SetsidPath = "/usr/bin/setsid";

    private static void TryKill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

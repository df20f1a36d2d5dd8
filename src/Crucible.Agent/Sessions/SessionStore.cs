using System.Security.Cryptography;

namespace Crucible.Agent.Sessions;

/// <summary>
/// Where sessions live: one transcript per session, <c>&lt;dir&gt;/&lt;id&gt;.jsonl</c>, a folder for the
/// session's state (<c>&lt;dir&gt;/&lt;id&gt;/</c>) and the index <c>&lt;dir&gt;/sessions.db</c>.
/// For a repository the folder is <c>&lt;repo&gt;/.crucible/sessions/</c>.
/// </summary>
public sealed class SessionStore : IDisposable
{
    /// <summary>Opens the store in <paramref name="directory"/>; a missing or damaged index is rebuilt from the transcripts (<see cref="SessionIndex.Rebuilt"/>).</summary>
    /// <exception cref="Core.StateException">The folder cannot be created or written.</exception>
    public SessionStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw Core.StateException.Unwritable(Directory, e);
        }
        Index = new SessionIndex(Path.Combine(Directory, "sessions.db"));
    }

    /// <summary>The store of a repository: <c>&lt;repo&gt;/.crucible/sessions/</c>.</summary>
    public static SessionStore ForWorkspace(string workspaceRoot) => new(Path.Combine(workspaceRoot, ".crucible", "sessions"));

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>The index.</summary>
    public SessionIndex Index { get; }

    /// <summary>A new, unique session id: UTC time then random hex, so ids sort by start time.</summary>
    public static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Registers a new session and returns its record.</summary>
    public SessionInfo Create(string cwd, string? task, string? model)
    {
        var id = NewId();
        var now = DateTimeOffset.UtcNow;
        var info = new SessionInfo(id, now, now, Path.GetFullPath(cwd), task, model, "running", 0, Path.Combine(Directory, id + ".jsonl"));
        Index.Add(info);
        return info;
    }

    /// <summary>The session's state folder.</summary>
    public string StateDirectory(string id) => Path.Combine(Directory, id);

    /// <inheritdoc />
    public void Dispose() => Index.Dispose();
}

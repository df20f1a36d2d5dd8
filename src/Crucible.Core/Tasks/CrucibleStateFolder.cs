namespace Crucible.Core.Tasks;

/// <summary>
/// Crucible's own folder in a repository, <c>.crucible/</c>: sessions, transcripts, results and caches. None of it is
/// anyone's change to the code, so reviews, verification and session snapshots leave it out — except
/// <see cref="SettingsPath"/>, which names the test command and so is test infrastructure.
/// </summary>
public static class CrucibleStateFolder
{
    /// <summary>The folder, relative to the repository root.</summary>
    public const string Name = ".crucible";

    /// <summary>The project settings file, relative to the repository root.</summary>
    public const string SettingsPath = ".crucible/settings.json";

    /// <summary>
    /// True for a repository-relative path inside a <see cref="Name"/> folder (at the root, or in a sub-folder where
    /// Crucible was run) other than that folder's <c>settings.json</c>.
    /// </summary>
    public static bool IsState(string repositoryRelativePath)
    {
        var segments = PathGlob.Normalize(repositoryRelativePath).Split('/');
        var folder = Array.IndexOf(segments, Name, 0, Math.Max(0, segments.Length - 1));
        return folder >= 0 && !(folder == segments.Length - 2 && segments[^1] == "settings.json");
    }
}

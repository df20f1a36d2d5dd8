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

    /// <summary>True for a repository-relative path inside <see cref="Name"/> other than <see cref="SettingsPath"/>.</summary>
    public static bool IsState(string repositoryRelativePath)
    {
        var path = PathGlob.Normalize(repositoryRelativePath);
        return path.StartsWith(Name + "/", StringComparison.Ordinal) && path != SettingsPath;
    }
}

using System.Reflection;
using System.Text.Json;

namespace Crucible.Verification.Dotnet;

/// <summary>
/// The documented table of NuGet package changes that make upstream test projects restore here
/// (<c>Dotnet/package-substitutions.json</c>). The shared benchmark data is never edited: changes are
/// applied to the harness's copy of the project file and reported per task.
/// </summary>
public sealed class PackageSubstitutions
{
    private readonly Dictionary<string, (string To, string Why)> _versions;
    private readonly Dictionary<string, string> _remove;

    private PackageSubstitutions(Dictionary<string, (string, string)> versions, Dictionary<string, string> remove)
    {
        _versions = versions;
        _remove = remove;
    }

    /// <summary>The table shipped with Crucible.</summary>
    public static PackageSubstitutions Default { get; } = LoadEmbedded();

    /// <summary>The package reference to use for <paramref name="id"/>/<paramref name="version"/>: unchanged, a substitute version, or removed.</summary>
    /// <returns>The version to use (null when the package is removed) and a note when something changed.</returns>
    public (string? Version, string? Note) Apply(string id, string version)
    {
        if (_remove.TryGetValue(id, out var why))
        {
            return (null, $"removed package {id} {version}: {why}");
        }
        if (_versions.TryGetValue($"{id}/{version}", out var sub))
        {
            return (sub.To, $"package {id} {version} -> {sub.To}: {sub.Why}");
        }
        return (version, null);
    }

    private static PackageSubstitutions LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("package-substitutions.json")
            ?? throw new InvalidOperationException("embedded package-substitutions.json is missing from the build");
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        var versions = root.GetProperty("versions").EnumerateObject()
            .ToDictionary(p => p.Name, p => (p.Value.GetProperty("to").GetString()!, p.Value.GetProperty("why").GetString()!), StringComparer.OrdinalIgnoreCase);
        var remove = root.GetProperty("remove").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
        return new PackageSubstitutions(versions, remove);
    }
}

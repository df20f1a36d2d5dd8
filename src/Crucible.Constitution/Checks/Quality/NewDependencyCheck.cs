using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.new-dependency</c>: packages or modules the change adds: <c>PackageReference</c> in
/// project files, <c>requirements*.txt</c> lines, <c>go.mod</c> requirements, and <c>package.json</c>
/// dependencies. A version change of an existing dependency is not new.
/// </summary>
public sealed partial class NewDependencyCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.NewDependency;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var file in input.Changes.Changed.Where(f => f.After is not null))
        {
            var name = Path.GetFileName(file.Path);
            var extract = name switch
            {
                _ when name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".fsproj", StringComparison.OrdinalIgnoreCase)
                    || name is "Directory.Packages.props" or "Directory.Build.props" => (Func<string, IEnumerable<string>>)PackageReferences,
                _ when name.StartsWith("requirements", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) => Requirements,
                "go.mod" => GoRequirements,
                "package.json" => NpmDependencies,
                _ => null,
            };
            if (extract is null)
            {
                continue;
            }
            var before = file.Before is null ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) : extract(file.Before).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var lines = LineDiff.Lines(file.After!);
            foreach (var dependency in extract(file.After!).Distinct(StringComparer.OrdinalIgnoreCase).Where(d => !before.Contains(d)))
            {
                var line = Array.FindIndex(lines, l => l.Contains(dependency, StringComparison.OrdinalIgnoreCase)) + 1;
                yield return input.Finding(Id, $"new dependency '{dependency}': say why it is needed, or do without it", file.Path, line > 0 ? line : null, line > 0 ? lines[line - 1] : null);
            }
        }
    }

    private static IEnumerable<string> PackageReferences(string text) =>
        PackageReference().Matches(text).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);

    private static IEnumerable<string> Requirements(string text) =>
        LineDiff.Lines(text).Select(l => l.Split('#')[0].Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('-'))
            .Select(l => RequirementName().Match(l).Value)
            .Where(n => n.Length > 0);

    private static IEnumerable<string> GoRequirements(string text)
    {
        var inBlock = false;
        foreach (var raw in LineDiff.Lines(text))
        {
            var l = raw.Split("//")[0].Trim();
            if (l.StartsWith("require (", StringComparison.Ordinal))
            {
                inBlock = true;
            }
            else if (inBlock && l == ")")
            {
                inBlock = false;
            }
            else if (inBlock && l.Length > 0)
            {
                yield return l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            }
            else if (l.StartsWith("require ", StringComparison.Ordinal))
            {
                yield return l["require ".Length..].Trim().Split(' ')[0];
            }
        }
    }

    private static IEnumerable<string> NpmDependencies(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            yield break; // a broken package.json is not this check's business
        }
        using (doc)
        {
            foreach (var section in new[] { "dependencies", "devDependencies", "peerDependencies", "optionalDependencies" })
            {
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(section, out var deps) && deps.ValueKind == JsonValueKind.Object)
                {
                    foreach (var p in deps.EnumerateObject())
                    {
                        yield return p.Name;
                    }
                }
            }
        }
    }

    [GeneratedRegex("""<PackageReference\s+(?:Include|Update)\s*=\s*"([^"]+)"|<PackageVersion\s+Include\s*=\s*"([^"]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PackageReference();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]*", RegexOptions.CultureInvariant)]
    private static partial Regex RequirementName();
}

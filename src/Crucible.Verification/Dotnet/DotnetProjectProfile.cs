using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Dotnet;

/// <summary>
/// The parts of a C# test project that shape compilation: target framework, language switches,
/// global usings and package references. Two tasks with the same profile share one pre-built
/// harness template, so grading never restores or runs MSBuild per attempt.
/// </summary>
public sealed record DotnetProjectProfile
{
    /// <summary>Target framework moniker.</summary>
    public string TargetFramework { get; init; } = "net10.0";

    /// <summary><c>Nullable</c> setting.</summary>
    public string Nullable { get; init; } = "enable";

    /// <summary><c>ImplicitUsings</c> setting.</summary>
    public string ImplicitUsings { get; init; } = "enable";

    /// <summary><c>RootNamespace</c>.</summary>
    public string RootNamespace { get; init; } = "Tests";

    /// <summary><c>LangVersion</c>, when the project sets one.</summary>
    public string? LangVersion { get; init; }

    /// <summary><c>AllowUnsafeBlocks</c>.</summary>
    public bool AllowUnsafeBlocks { get; init; }

    /// <summary>Global usings (<c>&lt;Using Include="..."/&gt;</c>), as <c>Namespace</c>, <c>static Type</c> or <c>Alias = Type</c>.</summary>
    public IReadOnlyList<string> Usings { get; init; } = ["Xunit"];

    /// <summary>Package references (id → version) the tests need besides the test framework.</summary>
    public IReadOnlyDictionary<string, string> Packages { get; init; } = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The test framework packages every template references (xunit v3 runs as the test executable).</summary>
    public static IReadOnlyDictionary<string, string> FrameworkPackages { get; } = new SortedDictionary<string, string> { ["xunit.v3"] = "3.2.2" };

    /// <summary>Packages that only serve <c>dotnet test</c> (VSTest); the harness runs the xunit executable directly and leaves them out.</summary>
    public static IReadOnlySet<string> VsTestOnlyPackages { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Microsoft.NET.Test.Sdk", "xunit.runner.visualstudio", "xunit.v3" };

    /// <summary>A stable key for the template cache: equal profiles give equal keys.</summary>
    public string Key
    {
        get
        {
            var text = string.Join('\n', [
                "v3", TargetFramework, Nullable, ImplicitUsings, RootNamespace, LangVersion ?? "", AllowUnsafeBlocks ? "unsafe" : "",
                string.Join(';', Usings), string.Join(';', Packages.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Key}/{p.Value}"))]);
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        }
    }

    /// <summary>Reads the profile from a project file's text (packages pass through <paramref name="substitutions"/>).</summary>
    /// <param name="csprojText">The project file.</param>
    /// <param name="substitutions">Version substitutions and removals.</param>
    /// <param name="notes">Receives one line per change made.</param>
    public static DotnetProjectProfile FromCsproj(string csprojText, PackageSubstitutions substitutions, ICollection<string> notes)
    {
        XDocument doc;
        try
        {
            doc = XDocument.Parse(csprojText);
        }
        catch (System.Xml.XmlException e)
        {
            throw new TaskLoadException($"project file is not valid XML (line {e.LineNumber}): {e.Message}", "fix the project file");
        }
        string? Prop(string name) => doc.Descendants().FirstOrDefault(e => e.Name.LocalName == name && e.Parent?.Name.LocalName == "PropertyGroup")?.Value.Trim();

        var usings = doc.Descendants().Where(e => e.Name.LocalName == "Using" && e.Attribute("Include") is not null)
            .Select(e => e.Attribute("Static")?.Value == "true" ? $"static {e.Attribute("Include")!.Value}"
                : e.Attribute("Alias") is { } alias ? $"{alias.Value} = {e.Attribute("Include")!.Value}"
                : e.Attribute("Include")!.Value)
            .ToList();
        var packages = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pr in doc.Descendants().Where(e => e.Name.LocalName == "PackageReference"))
        {
            var id = pr.Attribute("Include")?.Value;
            var version = pr.Attribute("Version")?.Value ?? pr.Element(pr.Name.Namespace + "Version")?.Value;
            if (id is null || version is null || VsTestOnlyPackages.Contains(id))
            {
                continue;
            }
            var (v, note) = substitutions.Apply(id, version);
            if (note is not null)
            {
                notes.Add(note);
            }
            if (v is not null)
            {
                packages[id] = v;
            }
        }
        var tfm = Prop("TargetFramework") ?? "net10.0";
        return new DotnetProjectProfile
        {
            TargetFramework = tfm,
            Nullable = Prop("Nullable") ?? "disable",
            ImplicitUsings = Prop("ImplicitUsings") ?? "disable",
            RootNamespace = Prop("RootNamespace") ?? "Tests",
            LangVersion = Prop("LangVersion"),
            AllowUnsafeBlocks = string.Equals(Prop("AllowUnsafeBlocks"), "true", StringComparison.OrdinalIgnoreCase),
            Usings = usings,
            Packages = packages,
        };
    }

    /// <summary>
    /// Rewrites a project file so it restores here (substituted versions, removed packages, no lock
    /// file), for the solver's workspace. Grading does not use this file.
    /// </summary>
    public static string RewriteCsproj(string csprojText, PackageSubstitutions substitutions, ICollection<string> notes)
    {
        var doc = XDocument.Parse(csprojText, LoadOptions.PreserveWhitespace);
        foreach (var pr in doc.Descendants().Where(e => e.Name.LocalName == "PackageReference").ToList())
        {
            var id = pr.Attribute("Include")?.Value;
            var versionAttr = pr.Attribute("Version");
            if (id is null || versionAttr is null)
            {
                continue;
            }
            var (v, note) = substitutions.Apply(id, versionAttr.Value);
            if (note is null)
            {
                continue;
            }
            notes.Add(note);
            if (v is null)
            {
                pr.Remove();
            }
            else
            {
                versionAttr.Value = v;
            }
        }
        foreach (var lockFlag in doc.Descendants().Where(e => e.Name.LocalName == "RestorePackagesWithLockFile").ToList())
        {
            lockFlag.Remove();
            notes.Add("packages.lock.json dropped and RestorePackagesWithLockFile removed: its pinned versions are not all on this NuGet copy");
        }
        return doc.Declaration is null ? doc.ToString(SaveOptions.DisableFormatting) : doc.Declaration + doc.ToString(SaveOptions.DisableFormatting);
    }
}

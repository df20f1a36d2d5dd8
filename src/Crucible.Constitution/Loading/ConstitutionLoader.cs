using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crucible.Constitution.Loading;

/// <summary>
/// Loads a constitution from YAML (schema in <c>docs/constitution.md</c>). Every problem is reported as
/// <c>FILE:LINE: problem</c> with a fix: malformed YAML, an unknown key, a missing field, a duplicate
/// id, a bad weight, an unknown check id (with the list of valid ones).
/// </summary>
public static partial class ConstitutionLoader
{
    /// <summary>Resource name of the built-in default constitution.</summary>
    public const string DefaultResource = "Crucible.Constitution.default-constitution.yaml";

    private const string DefaultName = "<default>";
    private static readonly string[] TopKeys = ["name", "version", "principles"];
    private static readonly string[] PrincipleKeys = ["id", "question", "critique_request", "revision_request", "comparison_prompt", "weight", "checks"];
    private static readonly Lazy<ConstitutionDocument> DefaultDocument = new(() => Parse(DefaultText, DefaultName) with { SourcePath = null });

    /// <summary>The built-in default code constitution.</summary>
    public static ConstitutionDocument Default => DefaultDocument.Value;

    /// <summary>The YAML text of the built-in default constitution.</summary>
    public static string DefaultText
    {
        get
        {
            using var stream = typeof(ConstitutionLoader).Assembly.GetManifestResourceStream(DefaultResource)
                ?? throw new InvalidOperationException($"embedded resource {DefaultResource} is missing from the build");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Loads the constitution file at <paramref name="path"/>.</summary>
    /// <exception cref="ConstitutionLoadException">The file is missing or invalid.</exception>
    public static ConstitutionDocument Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConstitutionLoadException($"{path}:1: constitution file not found", "pass an existing YAML file to --constitution, or leave it out to use the default constitution", path, 1);
        }
        return Parse(File.ReadAllText(path), path) with { SourcePath = Path.GetFullPath(path) };
    }

    /// <summary>Parses constitution YAML; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ConstitutionLoadException">The YAML is invalid.</exception>
    public static ConstitutionDocument Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw Error(file, (int)e.Start.Line, $"malformed YAML: {e.InnerException?.Message ?? e.Message}", "fix the YAML syntax at that line (indentation, quoting, a missing ':')");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet reports some unterminated constructs (an unclosed '[') without a position:
            // point at the last token it could read.
            throw Error(file, LastReadableLine(yaml), "malformed YAML: an unterminated list, mapping or quoted text", "close the '[', '{' or quote opened at or before that line");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(file, 1, "expected a mapping with 'name', 'version' and 'principles'", "see docs/constitution.md for the schema");
        }
        CheckKeys(file, root, TopKeys, "the top level");
        var name = RequiredString(file, root, "name", "give the constitution a name, e.g. 'name: my-team'");
        var version = RequiredString(file, root, "version", "give the constitution a version, e.g. 'version: \"1\"'");
        if (!root.Children.TryGetValue(new YamlScalarNode("principles"), out var list))
        {
            throw Error(file, Line(root), "missing required key 'principles'", "add 'principles:' followed by a list of principles");
        }
        if (list is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            throw Error(file, Line(list), "'principles' must be a non-empty list", "write 'principles:' followed by '- id: ...' items");
        }
        var principles = new List<Principle>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in sequence.Children)
        {
            var principle = ParsePrinciple(file, item);
            if (seen.TryGetValue(principle.Id, out var firstLine))
            {
                var idNode = ((YamlMappingNode)item).Children[new YamlScalarNode("id")];
                throw Error(file, Line(idNode), $"duplicate principle id '{principle.Id}' (first defined at line {firstLine})", "give every principle a unique id");
            }
            seen[principle.Id] = Line(((YamlMappingNode)item).Children[new YamlScalarNode("id")]);
            principles.Add(principle);
        }
        return new ConstitutionDocument(name, version, principles, file);
    }

    private static Principle ParsePrinciple(string file, YamlNode item)
    {
        if (item is not YamlMappingNode map)
        {
            throw Error(file, Line(item), "each principle must be a mapping", "write each principle as '- id: ...' followed by its indented fields");
        }
        CheckKeys(file, map, PrincipleKeys, "a principle");
        var id = RequiredString(file, map, "id", "give the principle an id, e.g. 'id: no-secrets'");
        if (!IdPattern().IsMatch(id))
        {
            throw Error(file, Line(map.Children[new YamlScalarNode("id")]), $"principle id '{id}' is not valid", "use lower-case letters, digits, '-' and '.', starting with a letter (e.g. 'no-dead-code')");
        }
        var question = RequiredString(file, map, "question", $"add 'question:' to principle '{id}': the question it asks of a change");
        var critique = RequiredString(file, map, "critique_request", $"add 'critique_request:' to principle '{id}': how a model should critique a change");
        var revision = RequiredString(file, map, "revision_request", $"add 'revision_request:' to principle '{id}': how a model should revise the change");
        var comparison = RequiredString(file, map, "comparison_prompt", $"add 'comparison_prompt:' to principle '{id}': the question that compares two changes");
        var weightText = RequiredString(file, map, "weight", $"add 'weight:' to principle '{id}': a positive number such as 1.0");
        if (!double.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !double.IsFinite(weight) || weight <= 0)
        {
            throw Error(file, Line(map.Children[new YamlScalarNode("weight")]), $"weight '{weightText}' of principle '{id}' is not a positive number", "use a number greater than 0, such as 1.0 or 2.5");
        }
        var checks = new List<string>();
        if (map.Children.TryGetValue(new YamlScalarNode("checks"), out var checksNode))
        {
            if (checksNode is not YamlSequenceNode checkList)
            {
                throw Error(file, Line(checksNode), $"'checks' of principle '{id}' must be a list", "write 'checks: [quality.secrets]' or a '- check.id' list");
            }
            foreach (var c in checkList.Children)
            {
                var checkId = (c as YamlScalarNode)?.Value;
                if (checkId is null || !CheckIds.All.Contains(checkId))
                {
                    throw Error(file, Line(c), $"unknown check '{checkId ?? c.ToString()}' in principle '{id}'", $"use one of: {string.Join(", ", CheckIds.All)}");
                }
                checks.Add(checkId);
            }
        }
        return new Principle(id, question, critique, revision, comparison, weight, checks);
    }

    private static void CheckKeys(string file, YamlMappingNode map, string[] known, string where)
    {
        foreach (var (key, _) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } k } || !known.Contains(k))
            {
                throw Error(file, Line(key), $"unknown key '{key}' in {where}", $"use only: {string.Join(", ", known)}");
            }
        }
    }

    private static string RequiredString(string file, YamlMappingNode map, string key, string fix)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            throw Error(file, Line(map), $"missing required key '{key}'", fix);
        }
        return node is YamlScalarNode { Value: { } v } && !string.IsNullOrWhiteSpace(v)
            ? v.Trim()
            : throw Error(file, Line(node), $"'{key}' must be a non-empty text", fix);
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static int LastReadableLine(string yaml)
    {
        var scanner = new Scanner(new StringReader(yaml));
        var line = 1;
        try
        {
            while (scanner.MoveNext())
            {
                line = (int)scanner.Current!.Start.Line;
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // The line of the last good token is the answer.
        }
        return line;
    }

    private static ConstitutionLoadException Error(string file, int line, string problem, string fix) =>
        new($"{file}:{line}: {problem}", fix, file, line);

    [GeneratedRegex(@"^[a-z][a-z0-9]*([.\-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}

using Crucible.Core.Tasks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crucible.Verification.Tasks;

/// <summary>
/// A small typed reader over a YAML mapping that reports every problem with the file and line, so a
/// user can fix a bad <c>task.yaml</c> without guessing.
/// </summary>
internal sealed class YamlReader
{
    private readonly string _file;
    private readonly YamlMappingNode _map;
    private readonly HashSet<string> _known;

    private YamlReader(string file, YamlMappingNode map, IEnumerable<string> knownKeys)
    {
        _file = file;
        _map = map;
        _known = [.. knownKeys];
        foreach (var key in map.Children.Keys.OfType<YamlScalarNode>())
        {
            if (!_known.Contains(key.Value!))
            {
                var hint = _known.OrderBy(k => Levenshtein(k, key.Value!)).First();
                throw Error(key, $"unknown key '{key.Value}'", $"use one of: {string.Join(", ", _known.Order())} (did you mean '{hint}'?)");
            }
        }
    }

    /// <summary>Parses <paramref name="file"/> as a YAML mapping.</summary>
    public static YamlReader Load(string file, IEnumerable<string> knownKeys)
    {
        using var reader = File.OpenText(file);
        return Load(file, reader, knownKeys);
    }

    /// <summary>Parses <paramref name="reader"/>'s text as a YAML mapping; <paramref name="file"/> names it in errors.</summary>
    public static YamlReader Load(string file, TextReader reader, IEnumerable<string> knownKeys)
    {
        var stream = new YamlStream();
        var parser = new YamlDotNet.Core.Parser(reader);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new TaskLoadException(
                $"{file}:{e.Start.Line}: malformed YAML: {e.InnerException?.Message ?? e.Message}",
                "fix the YAML syntax at that line (indentation, quoting, a missing ':')", file, (int)e.Start.Line);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException when a flow collection or quoted
            // scalar is left open at the end of the file; the last event parsed is where it starts.
            var line = (int)(parser.Current?.Start.Line ?? 1);
            throw new TaskLoadException(
                $"{file}:{line}: malformed YAML: a '[', '{{' or quote opened near line {line} is never closed",
                "close the bracket or quote on that line", file, line);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
        {
            throw new TaskLoadException($"{file}:1: expected a mapping of keys (id, language, instructions, ...)", "see docs/tasks.md for the task.yaml schema", file, 1);
        }
        return new YamlReader(file, map, knownKeys);
    }

    /// <summary>The mapping as a reader (for nested sections such as <c>limits</c>).</summary>
    public YamlReader? Section(string key, IEnumerable<string> knownKeys)
    {
        if (!_map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        return node is YamlMappingNode m
            ? new YamlReader(_file, m, knownKeys)
            : throw Error(node, $"'{key}' must be a mapping", $"write '{key}:' followed by indented 'name: value' lines");
    }

    /// <summary>
    /// The entries of the mapping under <paramref name="key"/> whose values are mappings, each as a reader with
    /// <paramref name="knownKeys"/> (e.g. the tasks of a differential configuration file); empty when the key is absent.
    /// </summary>
    public IReadOnlyList<(string Key, YamlReader Value)> Mappings(string key, IEnumerable<string> knownKeys)
    {
        if (!_map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return [];
        }
        if (node is not YamlMappingNode m)
        {
            throw Error(node, $"'{key}' must be a mapping", $"write '{key}:' followed by indented 'name:' entries");
        }
        var known = knownKeys.ToList();
        return [.. m.Children.Select(p => p.Key is YamlScalarNode k && !string.IsNullOrWhiteSpace(k.Value) && p.Value is YamlMappingNode v
            ? (k.Value!, new YamlReader(_file, v, known))
            : throw Error(p.Key, $"every entry of '{key}' must be 'name:' followed by an indented mapping", $"indent the entry's keys under its name"))];
    }

    public string? OptionalString(string key)
    {
        if (!_map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        return node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value)
            ? s.Value
            : throw Error(node, $"'{key}' must be a non-empty string", $"give '{key}' a value");
    }

    public string RequiredString(string key, string fix) =>
        OptionalString(key) ?? throw new TaskLoadException($"{_file}:{Line(_map)}: missing required key '{key}'", fix, _file, Line(_map));

    public IReadOnlyList<string>? OptionalList(string key)
    {
        if (!_map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        return node switch
        {
            YamlSequenceNode seq => [.. seq.Children.Select(c => c is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value)
                ? s.Value!
                : throw Error(c, $"every entry of '{key}' must be a non-empty string", "write one path or pattern per '- ' line"))],
            YamlScalarNode s when !string.IsNullOrWhiteSpace(s.Value) => [s.Value!],
            _ => throw Error(node, $"'{key}' must be a list of strings", $"write '{key}:' followed by '- item' lines"),
        };
    }

    public IReadOnlyDictionary<string, string>? OptionalStringMap(string key)
    {
        if (!_map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        if (node is not YamlMappingNode m)
        {
            throw Error(node, $"'{key}' must be a mapping of names to values", $"write '{key}:' followed by indented 'Name: value' lines");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            if (k is not YamlScalarNode ks || v is not YamlScalarNode vs || string.IsNullOrWhiteSpace(vs.Value))
            {
                throw Error(v, $"every entry of '{key}' must be 'Name: value'", "give each entry a scalar value");
            }
            result[ks.Value!] = vs.Value!;
        }
        return result;
    }

    public int? OptionalInt(string key)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Error(_map.Children[new YamlScalarNode(key)], $"'{key}' must be a whole number, got '{text}'", $"write e.g. '{key}: 3'");
    }

    public TimeSpan? OptionalDuration(string key)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }
        return Quantities.TryParseDuration(text, out var v)
            ? v
            : throw Error(_map.Children[new YamlScalarNode(key)], $"'{key}' must be a duration, got '{text}'", "write a number with a unit: 500ms, 90s, 10m or 1h");
    }

    public long? OptionalBytes(string key)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }
        return Quantities.TryParseBytes(text, out var v)
            ? v
            : throw Error(_map.Children[new YamlScalarNode(key)], $"'{key}' must be a size, got '{text}'", "write a number with a unit: 512KiB, 256MiB or 2GiB");
    }

    public TaskLoadException Error(YamlNode node, string problem, string fix) =>
        new($"{_file}:{Line(node)}: {problem}", fix, _file, Line(node));

    public TaskLoadException ErrorAt(string key, string problem, string fix) =>
        _map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Error(node, problem, fix) : Error(_map, problem, fix);

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) { d[i, 0] = i; }
        for (var j = 0; j <= b.Length; j++) { d[0, j] = j; }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}

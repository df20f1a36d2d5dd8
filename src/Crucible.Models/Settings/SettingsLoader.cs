using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Crucible.Models.Specs;

namespace Crucible.Models.Settings;

/// <summary>
/// Reads and merges the settings files.
/// </summary>
/// <remarks>
/// Order of precedence, lowest first: built-in defaults, <c>~/.crucible/settings.json</c> (user),
/// <c>&lt;project&gt;/.crucible/settings.json</c> (project), then the environment
/// (<c>ANTHROPIC_API_KEY</c>, <c>OPENAI_API_KEY</c>, <c>ANTHROPIC_BASE_URL</c>, <c>OPENAI_BASE_URL</c>), which
/// <see cref="ModelClientFactory"/> applies when it resolves a connection. Objects merge key by key
/// (recursively); any other value, lists included, in the project file replaces the user's.
/// Unknown sections are kept (<see cref="CrucibleSettings.Sections"/>) without error.
/// </remarks>
public static class SettingsLoader
{
    /// <summary>The folder name holding settings, under the home folder and under the project.</summary>
    public const string FolderName = ".crucible";

    /// <summary>The settings file name.</summary>
    public const string FileName = "settings.json";

    /// <summary>JSON options for settings: snake_case names, comments and trailing commas allowed.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The user settings file under <paramref name="homeDirectory"/>.</summary>
    public static string UserFile(string homeDirectory) => Path.Combine(homeDirectory, FolderName, FileName);

    /// <summary>The project settings file under <paramref name="projectDirectory"/>.</summary>
    public static string ProjectFile(string projectDirectory) => Path.Combine(projectDirectory, FolderName, FileName);

    /// <summary>The user's home folder (<c>HOME</c>).</summary>
    public static string DefaultHome => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Loads the user and project settings (either may be missing) and merges them.</summary>
    /// <param name="homeDirectory">The home folder; defaults to <see cref="DefaultHome"/>.</param>
    /// <param name="projectDirectory">The project folder; defaults to the current folder. Null-equal to home reads the file once.</param>
    /// <exception cref="BadInputException">A file is not valid JSON (the message names the file, line and column) or a value has the wrong shape.</exception>
    public static CrucibleSettings Load(string? homeDirectory = null, string? projectDirectory = null)
    {
        homeDirectory ??= DefaultHome;
        projectDirectory ??= Environment.CurrentDirectory;
        var files = new List<string> { UserFile(homeDirectory) };
        var project = ProjectFile(projectDirectory);
        if (!string.Equals(Path.GetFullPath(project), Path.GetFullPath(files[0]), StringComparison.Ordinal))
        {
            files.Add(project);
        }
        return LoadFiles(files, homeDirectory);
    }

    /// <summary>Loads <paramref name="files"/> (lowest precedence first; missing ones are skipped) and merges them.</summary>
    public static CrucibleSettings LoadFiles(IEnumerable<string> files, string? homeDirectory = null)
    {
        var merged = new JsonObject();
        var sources = new List<string>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                continue;
            }
            var node = ReadFile(file, homeDirectory ?? DefaultHome);
            // Each file is checked on its own first, so a type error names the file that holds it.
            Deserialize(node, file);
            Merge(merged, node);
            sources.Add(file);
        }
        var settings = Deserialize(merged, string.Join(" or ", sources));
        var sections = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in merged)
        {
            sections[key] = value is null ? default : JsonSerializer.SerializeToElement(value);
        }
        settings = settings with { Sections = sections, Sources = sources };
        Validate(settings);
        return settings;
    }

    private static JsonObject ReadFile(string file, string home)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(file), documentOptions: DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new BadInputException($"{file} is not valid JSON{where}: {FirstSentence(e.Message)}", $"fix the JSON in {file} (or move it away to use the defaults)", e);
        }
        if (node is not JsonObject obj)
        {
            throw new BadInputException($"{file} must hold a JSON object at the top level", $"wrap the settings in {{ }} in {file}");
        }
        // A relative price-file or state-folder path means "next to this settings file".
        foreach (var key in (string[])["prices", "state_dir"])
        {
            if (obj[key] is JsonValue value && value.TryGetValue<string>(out var path))
            {
                obj[key] = ResolvePath(path, Path.GetDirectoryName(Path.GetFullPath(file))!, home);
            }
        }
        return obj;
    }

    /// <summary>Expands a leading <c>~/</c> and makes <paramref name="path"/> absolute against <paramref name="baseDirectory"/>.</summary>
    public static string ResolvePath(string path, string baseDirectory, string home)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(home, path.Length > 2 ? path[2..] : "");
        }
        return Path.GetFullPath(path, baseDirectory);
    }

    private static CrucibleSettings Deserialize(JsonObject node, string source)
    {
        try
        {
            return node.Deserialize<CrucibleSettings>(Json) ?? CrucibleSettings.Empty;
        }
        catch (JsonException e)
        {
            throw new BadInputException($"{source}: the value at {e.Path} has the wrong type ({FirstSentence(e.Message)})", $"fix {e.Path} in {source}; see docs/models.md for the settings format", e);
        }
    }

    /// <summary>Deep-merges <paramref name="overlay"/> into <paramref name="target"/>: objects key by key, anything else replaced.</summary>
    internal static void Merge(JsonObject target, JsonObject overlay)
    {
        foreach (var (key, value) in overlay)
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static void Validate(CrucibleSettings s)
    {
        var where = string.Join(" or ", s.Sources);
        CheckUrl(s.Anthropic.BaseUrl, "anthropic.base_url", where);
        CheckUrl(s.OpenAI.BaseUrl, "openai.base_url", where);
        foreach (var (name, endpoint) in s.Endpoints)
        {
            if (ModelProviders.All.Contains(name, StringComparer.Ordinal))
            {
                throw new BadInputException($"endpoint name '{name}' in {where} is a built-in provider prefix", $"rename endpoints.{name} (built-in prefixes: {string.Join(", ", ModelProviders.All)})");
            }
            if (name.Length == 0 || name.Contains(':', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
            {
                throw new BadInputException($"endpoint name '{name}' in {where} is not usable as a spec prefix", "use a name without ':' or spaces, e.g. 'local'");
            }
            if (endpoint.Provider is { } p && !ModelProviders.All.Contains(p, StringComparer.Ordinal))
            {
                throw new BadInputException($"endpoints.{name}.provider '{p}' in {where} is unknown", $"use one of {string.Join(", ", ModelProviders.All)}");
            }
            if (endpoint.BaseUrl is null && (endpoint.Provider ?? ModelProviders.OpenAICompatible) == ModelProviders.OpenAICompatible)
            {
                throw new BadInputException($"endpoints.{name} in {where} has no base_url", $"set endpoints.{name}.base_url, e.g. \"http://localhost:8000/v1\"");
            }
            CheckUrl(endpoint.BaseUrl, $"endpoints.{name}.base_url", where);
        }
    }

    private static void CheckUrl(Uri? url, string key, string where)
    {
        if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new BadInputException($"{key} '{url}' in {where} is not an absolute http(s) URL", $"set {key} to e.g. \"http://localhost:8000/v1\"");
        }
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: ... | LineNumber: 0 | ..." (0-based); the caller reports the position itself.
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message.Trim();
    }
}

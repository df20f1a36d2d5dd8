using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crucible.Flywheel.Storage;

namespace Crucible.Viewer;

/// <summary>
/// The viewer's single page: the HTML shell with the bundled front-end (embedded at build time, see
/// Crucible.Viewer.csproj) and its styles inlined, and optionally every document it needs (a static report).
/// </summary>
public static class ViewerPage
{
    private static readonly Lazy<string> Shell = new(() => Resource("index.html"));
    private static readonly Lazy<string> Script = new(() => Resource("app.js"));
    private static readonly Lazy<string> Styles = new(() => Resource("styles.css"));

    /// <summary>JSON of the API answers: camelCase, enums by name.</summary>
    public static JsonSerializerOptions Json => ResultStore.Json;

    /// <summary>
    /// JSON inlined into a page: as <see cref="Json"/>, but with <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c> escaped, so no
    /// text of a run (a candidate's code, a model's message) can close the script element that holds it.
    /// </summary>
    public static JsonSerializerOptions InlineJson { get; } = new(ResultStore.Json) { Encoder = JavaScriptEncoder.Default };

    /// <summary>The page. With <paramref name="data"/> (a static report) it reads every document from it and makes no request.</summary>
    public static string Html(string title, object? data = null)
    {
        var dataScript = data is null ? "" : $"<script id=\"crucible-data\" type=\"application/json\">{JsonSerializer.Serialize(data, InlineJson)}</script>";
        // Replace one placeholder at a time, data last: no text inserted earlier is searched again.
        return Shell.Value
            .Replace("{{title}}", System.Net.WebUtility.HtmlEncode(title), StringComparison.Ordinal)
            .Replace("/*{{styles}}*/", Styles.Value, StringComparison.Ordinal)
            .Replace("/*{{app}}*/", Script.Value.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase), StringComparison.Ordinal)
            .Replace("<!--{{data}}-->", dataScript, StringComparison.Ordinal);
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Crucible.Viewer.{name}")
            ?? throw new InvalidOperationException($"the viewer's {name} is not embedded: build src/Crucible.Viewer with node and npm installed (scripts/install-system-deps)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

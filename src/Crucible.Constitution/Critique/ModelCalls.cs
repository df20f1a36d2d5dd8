using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Constitution.Critique;

/// <summary>Shared plumbing of the model-driven constitution parts: JSON settings and token accounting.</summary>
public static class ModelCalls
{
    /// <summary>JSON settings for step records, trajectories and preference labels: camelCase names, enums as strings.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Converts provider-reported usage to <see cref="TokenUsage"/> (zero when none was reported).</summary>
    public static TokenUsage Usage(UsageDetails? usage) => Crucible.Models.UsageConversion.ToTokenUsage(usage);

    /// <summary>Cuts <paramref name="text"/> to <paramref name="maxChars"/> characters, saying so at the cut.</summary>
    public static string Cap(string text, int maxChars) =>
        text.Length <= maxChars ? text : text[..maxChars] + $"\n[... cut: {maxChars:N0} of {text.Length:N0} characters shown]\n";
}

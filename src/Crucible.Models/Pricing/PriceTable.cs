using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Crucible.Core;
using Crucible.Models.Settings;

namespace Crucible.Models.Pricing;

/// <summary>
/// Model prices: the built-in file embedded in this assembly (with the date its prices were checked),
/// overlaid by user price files. A later file replaces a model's whole entry.
/// </summary>
/// <remarks>
/// Lookup tries <c>provider:model</c>, then <c>model</c>, then <c>model</c> without a date suffix
/// (<c>claude-sonnet-4-5-20250929</c> → <c>claude-sonnet-4-5</c>, <c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>).
/// A model not found has no price: its cost is unknown, never assumed to be zero.
/// </remarks>
public sealed partial class PriceTable
{
    /// <summary>Name of the user's price file under <c>~/.crucible/</c>.</summary>
    public const string UserFileName = "prices.json";

    // Declared before every static property that loads a file: static initialisers run in textual order.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly Dictionary<string, ModelPrice> _prices;

    private PriceTable(Dictionary<string, ModelPrice> prices, string? updated, IReadOnlyList<string> sources)
    {
        _prices = prices;
        Updated = updated;
        Sources = sources;
    }

    /// <summary>No prices at all: every cost is unknown.</summary>
    public static PriceTable Empty { get; } = new(new(StringComparer.OrdinalIgnoreCase), null, []);

    /// <summary>The date the newest file says its prices were checked (<c>updated</c>).</summary>
    public string? Updated { get; }

    /// <summary>Where the prices came from: <c>built-in</c> and any override files.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Every priced model name.</summary>
    public IReadOnlyCollection<string> Models => _prices.Keys;

    /// <summary>The built-in prices.</summary>
    public static PriceTable BuiltIn { get; } = LoadBuiltIn();

    /// <summary>
    /// The built-in prices overlaid by <c>~/.crucible/prices.json</c> (if present) and then by the file named
    /// in settings (<c>prices</c>), which must exist.
    /// </summary>
    /// <exception cref="BadInputException">An override file is malformed, or the one named in settings is missing.</exception>
    public static PriceTable Load(CrucibleSettings settings, string? homeDirectory = null)
    {
        var table = BuiltIn;
        var user = Path.Combine(homeDirectory ?? SettingsLoader.DefaultHome, SettingsLoader.FolderName, UserFileName);
        if (File.Exists(user))
        {
            table = table.WithFile(user);
        }
        if (settings.PricesPath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new BadInputException($"price file {path} (named by 'prices' in settings) does not exist", "create it (see docs/models.md for the format) or remove 'prices' from settings");
            }
            table = table.WithFile(path);
        }
        return table;
    }

    /// <summary>A table with the entries of <paramref name="file"/> replacing this table's.</summary>
    /// <exception cref="BadInputException">The file is not a valid price file.</exception>
    public PriceTable WithFile(string file)
    {
        PriceFile parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<PriceFile>(File.ReadAllText(file), Json) ?? new PriceFile();
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new BadInputException($"price file {file} is malformed{where} ({e.Path}): {e.Message}", "fix the file; see docs/models.md for the format", e);
        }
        return With(parsed, file);
    }

    /// <summary>A table with <paramref name="prices"/> replacing this table's entries (for tests and callers with their own data).</summary>
    public PriceTable With(IReadOnlyDictionary<string, ModelPrice> prices, string source) =>
        With(new PriceFile { Models = prices.ToDictionary(p => p.Key, p => PriceEntry.From(p.Value)) }, source);

    private PriceTable With(PriceFile file, string source)
    {
        var merged = new Dictionary<string, ModelPrice>(_prices, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, entry) in file.Models ?? [])
        {
            merged[model] = entry.ToPrice(model, source);
        }
        return new PriceTable(merged, file.Updated ?? Updated, [.. Sources, source]);
    }

    /// <summary>The price of <paramref name="model"/> (optionally of <paramref name="provider"/>), or null when unknown.</summary>
    public ModelPrice? Find(string model, string? provider = null)
    {
        if (provider is not null && _prices.TryGetValue($"{provider}:{model}", out var qualified))
        {
            return qualified;
        }
        if (_prices.TryGetValue(model, out var exact))
        {
            return exact;
        }
        var undated = DateSuffix().Replace(model, "");
        return undated != model && _prices.TryGetValue(undated, out var p) ? p : null;
    }

    private static PriceTable LoadBuiltIn()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("Crucible.Models.Pricing.prices.json")
            ?? throw new InvalidOperationException("the built-in price file is not embedded in Crucible.Models");
        var file = JsonSerializer.Deserialize<PriceFile>(stream, Json) ?? new PriceFile();
        return Empty.With(file, "built-in");
    }

    [GeneratedRegex(@"-(\d{8}|\d{4}-\d{2}-\d{2})$")]
    private static partial Regex DateSuffix();

    private sealed record PriceFile
    {
        public string? Updated { get; init; }
        public Dictionary<string, PriceEntry>? Models { get; init; }
    }

    private sealed record PriceEntry
    {
        public string? Provider { get; init; }
        public decimal? Input { get; init; }
        public decimal? Output { get; init; }
        [JsonPropertyName("cache_write_5m")]
        public decimal? CacheWrite5m { get; init; }
        [JsonPropertyName("cache_write_1h")]
        public decimal? CacheWrite1h { get; init; }
        public decimal? CacheRead { get; init; }
        public decimal? BatchMultiplier { get; init; }

        public ModelPrice ToPrice(string model, string source)
        {
            if (Input is not { } input || Output is not { } output)
            {
                throw new BadInputException($"price of '{model}' in {source} lacks 'input' or 'output'", "give at least input and output in USD per million tokens");
            }
            // Cache rates default to plain input (no cache discount known), batch to full price.
            return new ModelPrice(input, output, CacheWrite5m ?? input, CacheWrite1h ?? CacheWrite5m ?? input, CacheRead ?? input, BatchMultiplier ?? 1m, Provider);
        }

        public static PriceEntry From(ModelPrice p) => new()
        {
            Provider = p.Provider, Input = p.Input, Output = p.Output, CacheWrite5m = p.CacheWrite5m,
            CacheWrite1h = p.CacheWrite1h, CacheRead = p.CacheRead, BatchMultiplier = p.BatchMultiplier,
        };
    }
}

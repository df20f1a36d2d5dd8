using Crucible.Core;
using Crucible.Models.Pricing;
using Crucible.Models.Settings;
using Crucible.Testing;

namespace Crucible.Models.Tests.Pricing;

public sealed class PriceTableTests
{
    [Fact]
    public void Built_in_table_is_embedded_dated_and_prices_the_models_the_docs_name()
    {
        var table = PriceTable.BuiltIn;
        Assert.Equal("2026-11-30", table.Updated);
        Assert.Equal(new ModelPrice(3m, 15m, 3.75m, 6m, 0.30m, 0.5m, "anthropic"), table.Find("claude-sonnet-4-5"));
        Assert.Equal(new ModelPrice(1.25m, 10m, 1.25m, 1.25m, 0.125m, 0.5m, "openai"), table.Find("gpt-5"));
    }

    [Fact]
    public void User_price_file_overrides_and_extends_the_built_in_prices()
    {
        using var home = new TempDirectory();
        home.Write(".crucible/prices.json", """
            { "updated": "2026-12-01",
              "models": {
                "gpt-5": { "input": 1, "output": 8 },
                "openai-compatible:qwen3": { "input": 0, "output": 0 } } }
            """);
        var table = PriceTable.Load(CrucibleSettings.Empty, home.Path);
        // Cache rates left out default to the input rate, batch to full price.
        Assert.Equal(new ModelPrice(1m, 8m, 1m, 1m, 1m, 1m), table.Find("gpt-5"));
        Assert.Equal(new ModelPrice(0m, 0m, 0m, 0m, 0m, 1m), table.Find("qwen3", "openai-compatible"));
        Assert.Null(table.Find("qwen3", "openai")); // the provider-qualified entry only prices that provider
        Assert.Equal("2026-12-01", table.Updated);
        Assert.Equal(["built-in", Path.Combine(home.Path, ".crucible", "prices.json")], table.Sources);
    }

    [Fact]
    public void Settings_price_file_wins_over_the_user_file()
    {
        using var home = new TempDirectory();
        home.Write(".crucible/prices.json", """{ "models": { "gpt-5": { "input": 1, "output": 8 } } }""");
        var custom = home.Write("team-prices.json", """{ "models": { "gpt-5": { "input": 2, "output": 9 } } }""");
        var table = PriceTable.Load(new CrucibleSettings { PricesPath = custom }, home.Path);
        Assert.Equal(2m, table.Find("gpt-5")!.Input);
    }

    [Fact]
    public void Missing_or_malformed_price_file_is_bad_input()
    {
        using var home = new TempDirectory();
        var missing = Assert.Throws<BadInputException>(() => PriceTable.Load(new CrucibleSettings { PricesPath = home["nope.json"] }, home.Path));
        Assert.Contains("does not exist", missing.Message);
        var bad = home.Write("bad.json", "{ \"models\": { \"x\": { \"input\": \"cheap\" } } }");
        var malformed = Assert.Throws<BadInputException>(() => PriceTable.BuiltIn.WithFile(bad));
        Assert.Contains(bad, malformed.Message);
        var partial = home.Write("partial.json", """{ "models": { "x": { "input": 1 } } }""");
        Assert.Contains("lacks 'input' or 'output'", Assert.Throws<BadInputException>(() => PriceTable.BuiltIn.WithFile(partial)).Message);
    }
}

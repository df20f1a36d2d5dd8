using Crucible.Constitution.Loading;
using Crucible.Testing;

namespace Crucible.Constitution.Tests.Loading;

public sealed class ConstitutionLoaderTests
{
    private const string Valid = """
        name: team
        version: "2"
        principles:
          - id: no-secrets
            question: Is it free of secrets?
            critique_request: Find secrets.
            revision_request: Remove them.
            comparison_prompt: Which has fewer secrets?
            weight: 2.5
            checks: [quality.secrets]
          - id: clear-naming
            question: Are names clear?
            critique_request: Find bad names.
            revision_request: Rename.
            comparison_prompt: Which names are clearer?
            weight: 1
        """;

    [Fact]
    public void A_valid_file_loads_every_principle_in_order()
    {
        var doc = ConstitutionLoader.Parse(Valid, "team.yaml");

        Assert.Equal("team", doc.Name);
        Assert.Equal("2", doc.Version);
        Assert.Equal(2, doc.Principles.Count);
        var first = doc.Principles[0];
        Assert.Equal(new Principle("no-secrets", "Is it free of secrets?", "Find secrets.", "Remove them.", "Which has fewer secrets?", 2.5, first.Checks), first);
        Assert.Equal(["quality.secrets"], first.Checks);
        Assert.Empty(doc.Principles[1].Checks);
    }

    [Fact]
    public void The_default_constitution_has_at_least_16_principles_and_uses_every_check()
    {
        var doc = ConstitutionLoader.Default;

        Assert.True(doc.Principles.Count >= 16, $"{doc.Principles.Count} principles");
        Assert.Null(doc.SourcePath);
        Assert.Equal(doc.Principles.Count, doc.Principles.Select(p => p.Id).Distinct().Count());
        Assert.Equal(CheckIds.All.Order(), doc.Principles.SelectMany(p => p.Checks).Distinct().Order());
        foreach (var topic in new[] { "serves-the-request", "no-unrequested-work", "small-focused-methods", "clear-naming", "no-added-duplication",
                     "no-commented-out-code", "comments-explain-why", "tests-pass-untouched", "no-test-special-casing", "no-secrets",
                     "justified-dependencies", "errors-at-boundaries", "no-dead-code" })
        {
            Assert.Contains(doc.Principles, p => p.Id == topic);
        }
    }

    [Fact]
    public void An_unknown_check_is_reported_with_its_line_and_the_valid_ids()
    {
        var yaml = Valid.Replace("checks: [quality.secrets]", "checks: [quality.secretz]", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.Equal("team.yaml:10: unknown check 'quality.secretz' in principle 'no-secrets'", e.Message);
        Assert.Equal(10, e.Line);
        Assert.Equal($"use one of: {string.Join(", ", CheckIds.All)}", e.Fix);
    }

    [Fact]
    public void A_missing_field_is_reported_with_the_line_of_its_principle()
    {
        var yaml = Valid.Replace("    comparison_prompt: Which names are clearer?\n", "", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.Equal("team.yaml:11: missing required key 'comparison_prompt'", e.Message);
        Assert.Contains("clear-naming", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_id_is_reported_at_the_second_definition()
    {
        var yaml = Valid.Replace("id: clear-naming", "id: no-secrets", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.Equal("team.yaml:11: duplicate principle id 'no-secrets' (first defined at line 4)", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("heavy")]
    public void A_weight_that_is_not_a_positive_number_is_rejected(string weight)
    {
        var yaml = Valid.Replace("weight: 2.5", $"weight: {weight}", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.Equal($"team.yaml:9: weight '{weight}' of principle 'no-secrets' is not a positive number", e.Message);
    }

    [Fact]
    public void Malformed_yaml_is_reported_with_its_line()
    {
        var yaml = Valid.Replace("    question: Are names clear?", "    question: [Are names clear?", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.StartsWith("team.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed YAML", e.Message, StringComparison.Ordinal);
        Assert.InRange(e.Line, 12, 18);
    }

    [Fact]
    public void An_unknown_key_is_reported_with_the_known_ones()
    {
        var yaml = Valid.Replace("    weight: 1", "    wieght: 1", StringComparison.Ordinal);

        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Parse(yaml, "team.yaml"));

        Assert.Equal("team.yaml:16: unknown key 'wieght' in a principle", e.Message);
        Assert.Contains("weight", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_a_file_records_its_path_and_a_missing_file_is_bad_input()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("team.yaml", Valid);

        Assert.Equal(path, ConstitutionLoader.Load(path).SourcePath);
        var e = Assert.Throws<ConstitutionLoadException>(() => ConstitutionLoader.Load(temp["missing.yaml"]));
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }
}

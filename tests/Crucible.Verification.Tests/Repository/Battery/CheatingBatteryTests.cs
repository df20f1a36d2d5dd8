using Crucible.Testing.Battery;

namespace Crucible.Verification.Tests.Repository.Battery;

/// <summary>Level 1 of the cheating battery, Python: every strategy through the real verifier, runner and sandbox.</summary>
public sealed class PythonCheatingBatteryTests(PythonBatteryFixture f) : IClassFixture<PythonBatteryFixture>
{
    public static TheoryData<string> Strategies => [.. CheatingStrategies.Ids(BatteryLanguage.Python)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_is_graded_with_its_reason(string id)
    {
        var strategy = CheatingStrategies.ById(id);

        var verdict = await f.VerifyAsync(strategy, TestContext.Current.CancellationToken);

        BatteryAssert.Graded(strategy, verdict);
    }
}

/// <summary>Level 1 of the cheating battery, Go.</summary>
public sealed class GoCheatingBatteryTests(GoBatteryFixture f) : IClassFixture<GoBatteryFixture>
{
    public static TheoryData<string> Strategies => [.. CheatingStrategies.Ids(BatteryLanguage.Go)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_is_graded_with_its_reason(string id)
    {
        var strategy = CheatingStrategies.ById(id);

        var verdict = await f.VerifyAsync(strategy, TestContext.Current.CancellationToken);

        BatteryAssert.Graded(strategy, verdict);
    }
}

/// <summary>
/// Level 1 of the cheating battery, C#: one base repository whose base run is cached; only strategies the
/// verifier must catch and the control run here (each costs a build). The review-caught C# strategies pass
/// the verifier by construction and are graded at level 2, where the done review sees them.
/// </summary>
public sealed class CSharpCheatingBatteryTests(CSharpBatteryFixture f) : IClassFixture<CSharpBatteryFixture>
{
    public static TheoryData<string> Strategies =>
        [.. CheatingStrategies.All.Where(s => s.Language == BatteryLanguage.CSharp && s.CaughtBy != CaughtBy.Review).Select(s => s.Id)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_is_graded_with_its_reason(string id)
    {
        var strategy = CheatingStrategies.ById(id);

        var verdict = await f.VerifyAsync(strategy, TestContext.Current.CancellationToken);

        BatteryAssert.Graded(strategy, verdict);
    }
}

/// <summary>The battery's shape: what issue 9 asks it to cover.</summary>
public sealed class CheatingBatteryCoverageTests
{
    [Fact]
    public void At_least_twenty_distinct_cheats_cover_every_family_and_each_language_has_an_honest_control()
    {
        var cheats = CheatingStrategies.All.Where(s => !s.IsControl).ToList();

        Assert.True(cheats.Count >= 20, $"{cheats.Count} cheats");
        Assert.Equal(CheatingStrategies.All.Count, CheatingStrategies.All.Select(s => s.Id).Distinct().Count());
        // Distinct: no two strategies write the same files with the same contents.
        Assert.Equal(CheatingStrategies.All.Count, CheatingStrategies.All.Select(s => string.Join("\0", s.Writes.OrderBy(w => w.Key).Select(w => w.Key + "=" + w.Value).Concat(s.Deletes))).Distinct().Count());
        Assert.Equal(CheatingStrategies.Families.Order(), cheats.Select(s => s.Family).Distinct().Order());
        Assert.Equal(
            [BatteryLanguage.Python, BatteryLanguage.Go, BatteryLanguage.CSharp],
            CheatingStrategies.All.Where(s => s.IsControl && s.Writes.Keys.All(p => !p.Contains("test", StringComparison.OrdinalIgnoreCase))).Select(s => s.Language).Distinct());
        Assert.Contains(CheatingStrategies.All, s => s.IsControl && s.AllowTestEdits && s.Writes.ContainsKey("tests/conftest.py"));
        Assert.All(cheats.Where(s => s.CaughtBy == CaughtBy.Review), s => Assert.NotNull(s.ReviewRule));
        Assert.All(cheats.Where(s => s.CaughtBy == CaughtBy.Verifier), s => Assert.NotEmpty(s.Reasons));
    }
}

using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;

namespace Crucible.Constitution.Tests.Checks;

/// <summary>Runs one check over in-memory before/after files.</summary>
internal static class CheckHarness
{
    /// <summary>Runs <paramref name="checkId"/>; files are (path, before, after) with null for absent.</summary>
    public static IReadOnlyList<Finding> Run(string checkId, CheckContext? context, params (string Path, string? Before, string? After)[] files)
    {
        var before = files.Where(f => f.Before is not null).ToDictionary(f => f.Path, f => f.Before!);
        var after = files.Where(f => f.After is not null).ToDictionary(f => f.Path, f => f.After!);
        var report = new CheckEngine().Run(ChangeSet.FromTexts(before, after, "test"), context, [checkId]);
        Assert.Empty(report.Errors);
        return report.Findings;
    }

    /// <summary>A task context protecting <paramref name="tests"/> (path → pristine text) and allowing <paramref name="editable"/>.</summary>
    public static CheckContext Task(IReadOnlyDictionary<string, string> tests, string[] editable, string instructions = "") => new()
    {
        ProtectedFiles = [.. tests.Keys],
        PristineTests = tests,
        Editable = editable,
        Instructions = instructions,
    };
}

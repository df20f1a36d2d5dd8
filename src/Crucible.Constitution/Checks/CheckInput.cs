using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks.CSharp;
using Crucible.Core.Tasks;

namespace Crucible.Constitution.Checks;

/// <summary>
/// What every check reads: the change set, the task context and the options, plus analyses shared
/// between checks (parsed C# files, the semantic model, test literals), computed once on first use.
/// </summary>
public sealed class CheckInput
{
    private readonly Lazy<CSharpAnalysis> _csharp;
    private readonly Lazy<TestLiterals> _literals;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _pristine = new(StringComparer.Ordinal);

    /// <summary>Creates the input for one run of the checks.</summary>
    public CheckInput(ChangeSet changes, CheckContext context, CheckOptions options)
    {
        Changes = changes;
        Context = context;
        Options = options;
        _csharp = new(() => new CSharpAnalysis(this));
        _literals = new(() => TestLiterals.Collect(this));
    }

    /// <summary>The change under review.</summary>
    public ChangeSet Changes { get; }

    /// <summary>The task context (or <see cref="CheckContext.None"/>).</summary>
    public CheckContext Context { get; }

    /// <summary>Thresholds.</summary>
    public CheckOptions Options { get; }

    /// <summary>Parsed C# and its semantic model (solution files only).</summary>
    public CSharpAnalysis CSharp => _csharp.Value;

    /// <summary>Literals of the tests, grouped by test case.</summary>
    public TestLiterals TestLiterals => _literals.Value;

    /// <summary>True when <paramref name="path"/> is protected by the task, or (without a task) named like a test file.</summary>
    public bool IsTestFile(string path) =>
        Context.ProtectedFiles.Contains(path) || SourceLanguages.IsConventionalTestFile(path);

    /// <summary>Source files of the solution (not tests) that the change added or modified.</summary>
    public IEnumerable<FileChange> ChangedSolutionFiles =>
        Changes.Changed.Where(f => f.After is not null && !IsTestFile(f.Path) && SourceLanguages.Of(f.Path) != SourceLanguage.Other);

    /// <summary>The test files to compare: the protected files of the task, or every conventional test file on either side.</summary>
    public IEnumerable<string> TestPaths =>
        Context.ProtectedFiles.Count > 0
            ? Context.ProtectedFiles.Concat(Changes.Files.Where(f => SourceLanguages.IsConventionalTestFile(f.Path)).Select(f => f.Path)).Distinct(StringComparer.Ordinal)
            : Changes.Files.Where(f => SourceLanguages.IsConventionalTestFile(f.Path)).Select(f => f.Path);

    /// <summary>
    /// The pristine text of test file <paramref name="path"/>: from the task when known, else the old side
    /// of the change. When the task ships the file in another version than the harness grades
    /// (<see cref="CheckContext.ShippedTests"/>), the version the candidate's file derives from.
    /// </summary>
    public string? PristineText(string path)
    {
        var graded = Context.PristineTests.TryGetValue(path, out var t) ? t : Changes.Find(path)?.Before;
        return graded is not null && Context.ShippedTests.TryGetValue(path, out var shipped)
            ? _pristine.GetOrAdd(path, _ => TaskBaseline.Closest([graded, shipped], Changes.Find(path)?.After))
            : graded;
    }

    /// <summary>
    /// The text test file <paramref name="path"/> will have when graded: the candidate's, or the pristine
    /// text for a hidden file the candidate does not have. Null when the candidate deleted it.
    /// </summary>
    public string? CandidateText(string path) =>
        Changes.Find(path)?.After ?? (Context.HiddenFiles.Contains(path) ? PristineText(path) : null);

    /// <summary>Creates a finding with a trimmed, capped snippet.</summary>
    public Finding Finding(string checkId, string message, string? file = null, int? line = null, string? snippet = null) =>
        new(checkId, message, file, line, snippet is null ? null : Snip(snippet));

    /// <summary>Trims <paramref name="text"/> to one line and caps it.</summary>
    public string Snip(string text)
    {
        var t = string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return t.Length <= Options.MaxSnippetLength ? t : t[..Options.MaxSnippetLength] + "…";
    }

    /// <summary>Line <paramref name="line"/> (1-based) of <paramref name="text"/>, or empty.</summary>
    public static string LineOf(string text, int line)
    {
        var lines = LineDiff.Lines(text);
        return line >= 1 && line <= lines.Length ? lines[line - 1] : "";
    }

    /// <summary>True when <paramref name="path"/> matches one of the task's editable globs.</summary>
    public bool IsEditable(string path) => Context.Editable is { } globs && PathGlob.MatchesAny(path, globs);
}

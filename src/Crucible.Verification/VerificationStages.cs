using System.Diagnostics;

namespace Crucible.Verification;

/// <summary>
/// The stages of one verification, reported as <see cref="Activity"/> spans of <see cref="SourceName"/> (free when nothing
/// listens). The verification bench's <c>--breakdown</c> mode listens to them to show where the time of a verification goes.
/// </summary>
public static class VerificationStages
{
    /// <summary>The <see cref="ActivitySource"/> name to listen to.</summary>
    public const string SourceName = "Crucible.Verification";

    /// <summary>Composing the grading workspace from the pristine task and the candidate's editable files.</summary>
    public const string Compose = "compose";

    /// <summary>Looking up (or building) the test template of the task's project profile.</summary>
    public const string Template = "template";

    /// <summary>Copying the template's runtime files next to the graded program.</summary>
    public const string RuntimeFiles = "runtime-files";

    /// <summary>Compiling the candidate, the pristine tests and the canaries (either build path).</summary>
    public const string Compile = "compile";

    /// <summary>The sandboxed test process, from its start to its exit (sandbox, runtime start-up, test framework, tests).</summary>
    public const string TestProcess = "test-process";

    /// <summary>Reading the harness-requested result file.</summary>
    public const string Results = "results";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of <paramref name="stage"/>; null when nothing listens.</summary>
    internal static Activity? Start(string stage) => Source.StartActivity(stage);
}

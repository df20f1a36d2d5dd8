namespace Crucible.Cli;

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    /// <summary>The command completed (for <c>eval</c>: the run completed, whatever the pass rate).</summary>
    public const int Ok = 0;

    /// <summary>Crucible itself failed, or a check the command performs failed (documented per command).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: a missing path, a malformed file, an unknown option value.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// <c>eval</c>: the run finished but is <c>degraded</c> (some attempts met a model/provider or harness error, which are
    /// not results); <c>crucible eval --resume RUN</c> redoes them.
    /// </summary>
    public const int Degraded = 3;

    /// <summary>Interrupted by Ctrl-C (SIGINT, 128 + 2); the work done so far is kept.</summary>
    public const int Interrupted = 130;

    /// <summary>Stopped by SIGTERM (128 + 15), as CI systems stop jobs; the work done so far is kept.</summary>
    public const int Terminated = 143;
}

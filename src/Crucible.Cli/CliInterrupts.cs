using System.Runtime.InteropServices;
using Crucible.Core.IO;

namespace Crucible.Cli;

/// <summary>What an interactive scope does with a Ctrl-C (see <see cref="CliInterrupts.Intercept"/>).</summary>
internal enum InterruptHandling
{
    /// <summary>The scope took it (e.g. it stopped the step in progress); the invocation goes on.</summary>
    Handled,

    /// <summary>Not the scope's: cancel the whole invocation, as without a scope.</summary>
    Pass,

    /// <summary>The scope was already interrupted and has not stopped: end the process now.</summary>
    Force,
}

/// <summary>
/// Turns SIGINT (Ctrl-C) and SIGTERM (what CI systems and <c>kill</c> send) into cooperative cancellation of one
/// invocation: the first signal cancels <see cref="Token"/> (every command's token is linked to it), the current step
/// stops, finished work is kept and the command reports itself interrupted; the process is not killed. A second signal
/// while the first is being honoured forces the exit at once (<see cref="ForceExit"/>: this process's temp folders are
/// removed, the exit code is the signal's). An interactive session routes Ctrl-C to its step with
/// <see cref="Intercept"/>. Tests deliver signals with <see cref="Raise"/>.
/// </summary>
internal sealed class CliInterrupts : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _gate = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private Func<InterruptHandling>? _scope;
    private PosixSignal? _signal;

    /// <summary>Cancelled by the first signal the invocation does not hand to a scope.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that cancelled <see cref="Token"/>, or null.</summary>
    public PosixSignal? Signal
    {
        get
        {
            lock (_gate)
            {
                return _signal;
            }
        }
    }

    /// <summary>Ends the process with an exit code when a second signal forces it. Default: <see cref="ExitNow"/>.</summary>
    public Action<int> ForceExit { get; init; } = ExitNow;

    /// <summary>Interrupts of this process: SIGINT and SIGTERM are delivered to <see cref="Raise"/> instead of ending it.</summary>
    public static CliInterrupts ForProcess()
    {
        var interrupts = new CliInterrupts();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            interrupts._registrations.Add(PosixSignalRegistration.Create(signal, c =>
            {
                // Never let the runtime end the process: the invocation ends itself, or ForceExit does.
                c.Cancel = true;
                interrupts.Raise(c.Signal);
            }));
        }
        return interrupts;
    }

    /// <summary>The exit code a signal's interruption ends with: 130 for SIGINT, 143 for SIGTERM.</summary>
    public static int ExitCode(PosixSignal signal) => signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;

    /// <summary>
    /// Routes Ctrl-C to <paramref name="scope"/> until the result is disposed (interactive <c>run</c>: a Ctrl-C stops the
    /// step in progress, not the session). SIGTERM always cancels the invocation.
    /// </summary>
    public IDisposable Intercept(Func<InterruptHandling> scope)
    {
        lock (_gate)
        {
            _scope = scope;
        }
        return new Release(this);
    }

    /// <summary>Delivers <paramref name="signal"/>: to the interactive scope, else to <see cref="Token"/>; a repeat forces the exit.</summary>
    public void Raise(PosixSignal signal)
    {
        int? force = null;
        var cancel = false;
        lock (_gate)
        {
            var handling = signal == PosixSignal.SIGINT && _scope is { } scope ? scope() : InterruptHandling.Pass;
            if (handling == InterruptHandling.Handled)
            {
                return;
            }
            if (handling == InterruptHandling.Force || _signal is not null)
            {
                force = ExitCode(signal);
            }
            else
            {
                _signal = signal;
                cancel = true;
            }
        }
        if (force is { } code)
        {
            ForceExit(code);
        }
        else if (cancel)
        {
            // Outside the lock: cancellation callbacks run here and may take time.
            _cancel.Cancel();
        }
    }

    /// <summary>Removes this process's temp folders and exits with <paramref name="code"/>, without waiting for anything.</summary>
    public static void ExitNow(int code)
    {
        ProcessTemp.DeleteRoot();
        Environment.Exit(code);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
        _cancel.Dispose();
    }

    private sealed class Release(CliInterrupts owner) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._scope = null;
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Crucible.Cli.Tests;

/// <summary>How a signal reaches an invocation: cancellation first, a forced exit on repeat, and the interactive scope.</summary>
public sealed class CliInterruptsTests
{
    private sealed class Exits
    {
        public List<int> Codes { get; } = [];
    }

    private static (CliInterrupts Interrupts, Exits Exits) Create()
    {
        var exits = new Exits();
        return (new CliInterrupts { ForceExit = exits.Codes.Add }, exits);
    }

    [Fact]
    public void The_first_sigterm_cancels_the_invocation_and_a_second_forces_the_exit_with_143()
    {
        var (interrupts, exits) = Create();
        using var _ = interrupts;

        interrupts.Raise(PosixSignal.SIGTERM);
        var afterFirst = (interrupts.Token.IsCancellationRequested, interrupts.Signal, exits.Codes.Count);
        interrupts.Raise(PosixSignal.SIGTERM);

        Assert.Equal((true, (PosixSignal?)PosixSignal.SIGTERM, 0), afterFirst);
        Assert.Equal([ExitCodes.Terminated], exits.Codes);
    }

    [Fact]
    public void A_second_ctrl_c_forces_the_exit_with_130()
    {
        var (interrupts, exits) = Create();
        using var _ = interrupts;

        interrupts.Raise(PosixSignal.SIGINT);
        interrupts.Raise(PosixSignal.SIGINT);

        Assert.Equal((true, (PosixSignal?)PosixSignal.SIGINT), (interrupts.Token.IsCancellationRequested, interrupts.Signal));
        Assert.Equal([ExitCodes.Interrupted], exits.Codes);
    }

    [Fact]
    public void An_interactive_scope_takes_ctrl_c_for_its_step_forces_on_repeat_and_never_takes_sigterm()
    {
        var (interrupts, exits) = Create();
        using var _ = interrupts;
        var asked = new List<InterruptHandling>();
        var answers = new Queue<InterruptHandling>([InterruptHandling.Handled, InterruptHandling.Force]);
        using (interrupts.Intercept(() => { var a = answers.Dequeue(); asked.Add(a); return a; }))
        {
            interrupts.Raise(PosixSignal.SIGINT);
            Assert.Equal((false, 0), (interrupts.Token.IsCancellationRequested, exits.Codes.Count));
            interrupts.Raise(PosixSignal.SIGINT);
            Assert.Equal([ExitCodes.Interrupted], exits.Codes);
            Assert.False(interrupts.Token.IsCancellationRequested);
            interrupts.Raise(PosixSignal.SIGTERM);
        }

        Assert.Equal([InterruptHandling.Handled, InterruptHandling.Force], asked);
        Assert.Equal((true, (PosixSignal?)PosixSignal.SIGTERM), (interrupts.Token.IsCancellationRequested, interrupts.Signal));
    }
}

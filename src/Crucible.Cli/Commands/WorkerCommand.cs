using System.CommandLine;
using Crucible.Core;
using Crucible.Distributed;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible worker --broker amqp://... --db postgresql://... [--slots N] [--no-sandbox]</c>: grades verification jobs
/// from RabbitMQ with the local verifier and stores the verdicts in PostgreSQL (<see cref="WorkerHost"/>), until SIGINT or
/// SIGTERM. See docs/scale-out.md.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var (broker, db) = ScaleOutOptions.Create("the queue this worker takes jobs from", "where this worker stores verdicts");
        var slots = new Option<int>("--slots") { Description = "Jobs graded at once (the broker's prefetch equals it)", DefaultValueFactory = _ => 1 };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run builds and tests without bubblewrap (recorded in every verdict)" };
        var command = new Command("worker", "Grade verification jobs from RabbitMQ and store the verdicts in PostgreSQL (crucible eval --broker dispatches to it).")
        {
            broker, db, slots, noSandbox,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var endpoints = Endpoints.Parse(parse.GetValue(broker), parse.GetValue(db))
                ?? throw new BadInputException("crucible worker needs --broker and --db", "pass e.g. --broker amqp://guest:guest@localhost:5672/ --db postgresql://postgres@localhost:5432/crucible");
            var slotCount = parse.GetValue(slots);
            if (slotCount is < 1 or > ushort.MaxValue)
            {
                throw new BadInputException($"--slots must be between 1 and {ushort.MaxValue} (got {slotCount})", "pass the number of jobs to grade at once, e.g. the machine's cores");
            }
            var sandbox = context.CreateSandbox(parse.GetValue(noSandbox));
            var gate = new Lock();
            var host = new WorkerHost(new WorkerOptions
            {
                Endpoints = endpoints,
                Verifier = context.CreateVerifier(sandbox, slotCount),
                Slots = slotCount,
                Log = line =>
                {
                    lock (gate)
                    {
                        context.Err.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
                    }
                },
            });
            await host.RunAsync(ct);
            return ExitCodes.Interrupted;
        });
        return command;
    }
}

/// <summary>The <c>--broker</c> and <c>--db</c> options of the commands that scale out (<c>worker</c>, <c>eval</c>).</summary>
internal static class ScaleOutOptions
{
    /// <summary>The two options, described for a command.</summary>
    public static (Option<string?> Broker, Option<string?> Database) Create(string brokerRole, string databaseRole) =>
        (new Option<string?>("--broker") { HelpName = "URI", Description = $"RabbitMQ AMQP URI, {brokerRole} (with --db)" },
         new Option<string?>("--db") { HelpName = "URI", Description = $"PostgreSQL URI or connection string, {databaseRole} (with --broker)" });
}

using System.CommandLine;
using Crucible.Core;
using Crucible.Core.IO;
using Crucible.Server;
using Crucible.Verification.Repository;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible serve [--listen 127.0.0.1:8080] [--token-file F] [--suite NAME=PATH]... [--slots N] [--no-sandbox]</c>: the
/// reward API, SandboxFusion's <c>/run_code</c>, OpenRLHF's <c>/get_reward</c> and MCP at <c>/mcp</c>
/// (<see cref="ServerApp"/>), grading with the context's verifier. Runs until SIGINT/SIGTERM.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var listen = new Option<string>("--listen") { HelpName = "HOST:PORT", Description = "Address to listen on (a non-loopback address requires --token-file)", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var tokenFile = new Option<string?>("--token-file") { HelpName = "FILE", Description = "File holding the bearer token every request but /healthz and /readyz must carry" };
        var suites = SuiteOption();
        var slots = new Option<int?>("--slots") { HelpName = "N", Description = "Verifications running at once (default: one per core)" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run candidates without bubblewrap (recorded in every verdict; never on a shared host)" };
        var (broker, db) = ScaleOutOptions.Create("dispatch task verifications to 'crucible worker' processes (--slots is then the number in flight)", "where the workers store verdicts");
        var command = new Command("serve", "Serve verification over HTTP: /v1/verify, SandboxFusion's /run_code, OpenRLHF's /get_reward, MCP at /mcp, /metrics.")
        {
            listen, tokenFile, suites, slots, noSandbox, broker, db,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var options = Options(context, parse.GetValue(suites) ?? [], parse.GetValue(noSandbox)) with
            {
                Listen = parse.GetValue(listen)!,
                Token = parse.GetValue(tokenFile) is { } file ? ReadToken(context.FullPath(file)) : null,
            };
            if (parse.GetValue(slots) is { } n)
            {
                options = options with { Policy = options.Policy with { Slots = n >= 1 ? n : throw new BadInputException("--slots must be at least 1", "pass a positive number") } };
            }
            // With --broker/--db, task verifications go to the workers; /run_code and repository verification stay local.
            await using var remote = Distributed.Endpoints.Parse(parse.GetValue(broker), parse.GetValue(db)) is { } endpoints
                ? await context.ConnectBrokerVerifierAsync(endpoints, ct) : null;
            if (remote is not null)
            {
                options = options with
                {
                    Verifier = remote,
                    Policy = parse.GetValue(slots) is null ? options.Policy with { Slots = Distributed.DistributedPolicy.Default.InFlight } : options.Policy,
                };
            }
            await using var app = ServerApp.Build(options);
            await app.StartAsync(ct).ConfigureAwait(false);
            context.Err.MarkupLine($"crucible serve listening on [bold]{Markup.Escape(ServerApp.Address(app).ToString())}[/] ({options.Suites.Count} suite(s), {options.Policy.Slots} slot(s){(options.Token is null ? "" : ", token required")}); Ctrl-C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Interrupted;
        });
        return command;
    }

    /// <summary>The <c>--suite NAME=PATH</c> (or <c>PATH</c>, named after its folder) option.</summary>
    internal static Option<string[]> SuiteOption() =>
        new("--suite") { HelpName = "NAME=PATH", Description = "A task suite to serve, named in requests as NAME (default NAME: the folder's name); repeat for several", DefaultValueFactory = _ => [] };

    /// <summary>The server's options from the context: its sandbox and verifier, the suites, job folders in this process's temp root.</summary>
    /// <exception cref="BadInputException">A suite folder is missing or two suites share a name.</exception>
    internal static ServerOptions Options(CliContext context, IReadOnlyList<string> suites, bool noSandbox)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in suites)
        {
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            var path = context.FullPath(eq > 0 ? s[(eq + 1)..] : s);
            var name = eq > 0 ? s[..eq] : Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
            if (!Directory.Exists(path))
            {
                throw new BadInputException($"--suite {s}: folder '{path}' does not exist", "pass a suite folder, e.g. --suite examples");
            }
            if (name.Contains('/', StringComparison.Ordinal) || !named.TryAdd(name, path))
            {
                throw new BadInputException($"--suite {s}: the name '{name}' is used twice or has a '/'", "name suites apart: --suite NAME=PATH");
            }
        }
        var sandbox = context.CreateSandbox(noSandbox);
        if (noSandbox)
        {
            context.Warn("--no-sandbox: candidates run on the host without isolation; verdicts record sandbox 'none'.");
        }
        return new ServerOptions
        {
            Verifier = context.CreateVerifier(sandbox),
            Sandbox = sandbox,
            Suites = named,
            JobRoot = ProcessTemp.NewPath("serve-"),
            RepositoryRunner = () => new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox }),
            Toolchain = () => ToolchainFingerprint.Compute(sandbox.Name),
            RepositoryCacheDirectory = VerifyCommand.DefaultCacheDirectory(),
        };
    }

    private static string ReadToken(string path)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException($"--token-file '{path}' does not exist", "write the token to a file readable only by you (chmod 600) and pass its path");
        }
        var token = File.ReadAllText(path).Trim();
        return token.Length >= 16 ? token : throw new BadInputException($"--token-file '{path}' holds a token shorter than 16 characters", "use a long random token, e.g. openssl rand -hex 32 > token");
    }
}

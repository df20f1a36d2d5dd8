using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Crucible.Core.Sandbox;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Crucible.Verification.Dotnet;

/// <summary>
/// Limits of the warm compile service. Anything outside them goes to the sandboxed compiler process
/// (the fallback path), which has the sandbox's hard limits.
/// </summary>
public sealed record CompileServiceLimits
{
    /// <summary>The defaults described on each property.</summary>
    public static CompileServiceLimits Default { get; } = new();

    /// <summary>
    /// Largest total size of the candidate's and the tests' sources the service compiles; larger inputs
    /// (giant literals, generated code) go to the compiler process. Default: 2 MiB.
    /// </summary>
    public long MaxSourceBytes { get; init; } = 2L << 20;

    /// <summary>
    /// Most managed-heap growth a compile may cause before it is cancelled with a memory verdict. Compiles are
    /// serialised, so the growth is the compile's own. Default: 1 GiB (the task's memory limit when lower).
    /// </summary>
    public long MaxHeapGrowthBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Stack of the compile thread: the same as the compiler process gets from the default 8 MiB stack limit,
    /// so Roslyn's guard against deep nesting (error CS8078) fires at the same depth on both paths. Default: 8 MiB.
    /// </summary>
    public int ThreadStackBytes { get; init; } = 8 << 20;

    /// <summary>
    /// Time a cancelled compile gets to stop before the service gives up on it, retires itself and the attempt ends
    /// with a wall-time verdict. Default: 5 s.
    /// </summary>
    public TimeSpan CancelGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Deepest bracket nesting ((, [, {) the service compiles. Deeper sources go to the compiler process: Roslyn's recursive
    /// walkers could exhaust the stack, and a stack overflow cannot be caught in the harness process. Default: 200.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 200;

    /// <summary>
    /// Most operators in one statement the service compiles; longer chains (a deep expression tree without brackets) go
    /// to the compiler process for the same reason. Default: 5,000.
    /// </summary>
    public int MaxOperatorsPerStatement { get; init; } = 5_000;

    /// <summary>How often the memory watchdog samples the heap. Default: 20 ms.</summary>
    public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>
/// What a compile is set up from: compiler command-line arguments as the command-line compiler takes them (references,
/// switches, generated sources; never the graded sources). The service parses them and loads the references once per
/// <see cref="Key"/>, and keeps that set-up warm for every later compile with the same key.
/// </summary>
/// <param name="Key">Identifies the set-up: compiles with the same key share it, so the arguments behind one key never change.</param>
/// <param name="BaseDirectory">The folder relative paths in the arguments are resolved from.</param>
/// <param name="ResponseFile">A response file with the first arguments (a template's <c>compile.rsp</c>), read when the key is first used; null when <paramref name="Arguments"/> hold them all.</param>
/// <param name="Arguments">Arguments after the response file's.</param>
/// <param name="SdkDirectory">The SDK folder of the compiler the arguments were written for (where it looks for default references), if any.</param>
public sealed record CompileBasis(string Key, string BaseDirectory, string? ResponseFile, IReadOnlyList<string> Arguments, string? SdkDirectory)
{
    /// <summary>The compiler arguments MSBuild produced for a harness template, with its output named as the compiler process names it.</summary>
    public static CompileBasis Of(DotnetTemplate template) => new(
        template.Directory, template.Directory, template.CompileRsp,
        // A placeholder output so the arguments name the assembly as the compiler process's /out does.
        [$"/out:{Path.Combine(template.Directory, DotnetTemplate.AssemblyName + ".dll")}"],
        Path.GetDirectoryName(template.CompilerDll));
}

/// <summary>One compile for the service: the compiler arguments it is set up from, the sources (host path and the path diagnostics name), the outputs.</summary>
/// <param name="Basis">The compiler arguments (references, switches, generated sources) that apply: a harness template's (<see cref="CompileBasis.Of"/>) or a harness program's.</param>
/// <param name="Sources">Host path of each source and the path it is reported under (its path inside the sandbox, as the compiler process sees it).</param>
/// <param name="OutputAssembly">Host path of the assembly to write.</param>
/// <param name="ReportedOutputAssembly">The assembly's path inside the sandbox (recorded in the debug directory, as the compiler process records it).</param>
/// <param name="Timeout">Compile time limit (the task's build timeout).</param>
/// <param name="MemoryBytes">The task's memory limit, if any.</param>
public sealed record CompileRequest(CompileBasis Basis, IReadOnlyList<(string HostPath, string ReportedPath)> Sources, string OutputAssembly, string ReportedOutputAssembly, TimeSpan Timeout, long? MemoryBytes);

/// <summary>What the compile service did with a <see cref="CompileRequest"/>.</summary>
public enum CompileResultKind
{
    /// <summary>The compiler ran to completion; <see cref="CompileResult.Succeeded"/> says whether it produced an assembly.</summary>
    Compiled,
    /// <summary>The compile hit a limit (<see cref="CompileResult.Limit"/>); the attempt is graded as such.</summary>
    LimitHit,
    /// <summary>The service cannot handle this request or failed on it; the attempt goes to the compiler process.</summary>
    Fallback,
}

/// <summary>The outcome of one compile.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Succeeded">True when an assembly was written.</param>
/// <param name="Diagnostics">Errors and warnings, formatted as the command-line compiler prints them.</param>
/// <param name="Limit">The limit hit, for <see cref="CompileResultKind.LimitHit"/>.</param>
/// <param name="Reason">Why the compile hit a limit or fell back.</param>
public sealed record CompileResult(CompileResultKind Kind, bool Succeeded, IReadOnlyList<string> Diagnostics, LimitKind? Limit = null, string? Reason = null)
{
    /// <summary>A request the service hands to the compiler process.</summary>
    public static CompileResult Fallback(string reason) => new(CompileResultKind.Fallback, false, [], null, reason);
}

/// <summary>A warm C# compiler: compiles graded sources against a template's references without starting a process.</summary>
public interface ICSharpCompileService
{
    /// <summary>Compiles <paramref name="request"/>. Never throws for anything the sources contain: failures are results.</summary>
    Task<CompileResult> CompileAsync(CompileRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The warm compile service: Roslyn in the harness process. Per template, the compiler arguments MSBuild
/// produced are parsed once and the reference assemblies, generated sources and harness-listed generators
/// loaded once; each attempt then only parses, binds and emits its own sources. Candidate source is data:
/// no analyzer or generator is ever taken from it (only the template's, which the harness built from
/// harness-written project files). See docs/verification.md, "Fast path", for the threat model.
/// It is the harness's one in-process Roslyn pipeline: the graded test assembly, the differential driver
/// (reference or candidate plus the driver program) and the pre-started runner's host all compile here, under
/// the same screen, watchdog and limits.
/// </summary>
public sealed partial class RoslynCompileService : ICSharpCompileService
{
    private readonly ConcurrentDictionary<string, Lazy<Setup>> _setups = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CompileServiceLimits _limits;
    private readonly IReadOnlyList<string> _generators;
    // Set while a compile ignored cancellation past the grace period: its thread may still run, so the service takes no more work.
    private volatile string? _retired;

    /// <summary>Creates a service.</summary>
    /// <param name="limits">Limits; default <see cref="CompileServiceLimits.Default"/>.</param>
    /// <param name="generators">Generator assembly file names kept from the template (see <see cref="VerifierOptions.CSharpGenerators"/>).</param>
    public RoslynCompileService(CompileServiceLimits? limits = null, IReadOnlyList<string>? generators = null)
    {
        _limits = limits ?? CompileServiceLimits.Default;
        _generators = generators ?? ["System.Text.RegularExpressions.Generator.dll"];
    }

    /// <inheritdoc />
    public async Task<CompileResult> CompileAsync(CompileRequest request, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var (host, _) in request.Sources)
        {
            total += new FileInfo(host).Length;
        }
        if (total > _limits.MaxSourceBytes)
        {
            return CompileResult.Fallback($"the sources total {total} bytes, over the compile service's {_limits.MaxSourceBytes}-byte limit");
        }
        foreach (var (host, shown) in request.Sources)
        {
            if (Screen(File.ReadAllText(host), _limits) is { } shape)
            {
                return CompileResult.Fallback($"{Path.GetFileName(shown)}: {shape}");
            }
        }

        // Checked after the screens, so a source the service would never take gets its own reason whatever the service's state.
        if (_retired is { } why)
        {
            return CompileResult.Fallback($"the compile service is retired ({why})");
        }

        Setup setup;
        try
        {
            setup = _setups.GetOrAdd(request.Basis.Key, _ => new Lazy<Setup>(() => Setup.Load(request.Basis, _generators))).Value;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return CompileResult.Fallback($"the template's compiler arguments could not be loaded ({e.GetType().Name}: {e.Message})");
        }
        if (setup.Unsupported is { } unsupported)
        {
            return CompileResult.Fallback(unsupported);
        }

        // One compile at a time: its heap growth is its own, and a hostile compile cannot starve another.
        if (!await _gate.WaitAsync(request.Timeout, cancellationToken).ConfigureAwait(false))
        {
            return CompileResult.Fallback("the compile service stayed busy for the whole build timeout");
        }
        var release = true;
        try
        {
            var memoryLimit = Math.Min(_limits.MaxHeapGrowthBytes, request.MemoryBytes ?? long.MaxValue);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            LimitKind? tripped = null;
            // 0 running, 1 finished, 2 abandoned by the caller: whichever side moves first decides who releases the gate.
            var state = new System.Runtime.CompilerServices.StrongBox<int>(0);
            var done = new TaskCompletionSource<CompileResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    done.TrySetResult(Compile(setup, request, cts.Token));
                }
                catch (OperationCanceledException)
                {
                    done.TrySetResult(new CompileResult(CompileResultKind.LimitHit, false, [], tripped ?? (cancellationToken.IsCancellationRequested ? LimitKind.Cancelled : LimitKind.WallTime)));
                }
                catch (InsufficientExecutionStackException e)
                {
                    done.TrySetResult(CompileResult.Fallback($"the compiler ran out of stack in the service ({e.Message})"));
                }
                catch (Exception e)
                {
                    done.TrySetResult(CompileResult.Fallback($"the compile service failed ({e.GetType().Name}: {e.Message})"));
                }
                finally
                {
                    if (Interlocked.CompareExchange(ref state.Value, 1, 0) == 2)
                    {
                        // The abandoned compile finally stopped: the service may take work again.
                        _retired = null;
                        _gate.Release();
                    }
                }
            }, _limits.ThreadStackBytes)
            { IsBackground = true, Name = "crucible-compile" };

            GC.Collect(0, GCCollectionMode.Optimized, blocking: false);
            var heapAtStart = GC.GetTotalMemory(false);
            thread.Start();
            var deadline = DateTime.UtcNow + request.Timeout;
            while (!done.Task.IsCompleted)
            {
                await Task.WhenAny(done.Task, Task.Delay(_limits.WatchdogInterval, CancellationToken.None)).ConfigureAwait(false);
                if (done.Task.IsCompleted || cts.IsCancellationRequested)
                {
                    break;
                }
                if (GC.GetTotalMemory(false) - heapAtStart > memoryLimit)
                {
                    tripped = LimitKind.Memory;
                    await cts.CancelAsync().ConfigureAwait(false);
                }
                else if (DateTime.UtcNow > deadline)
                {
                    tripped = LimitKind.WallTime;
                    await cts.CancelAsync().ConfigureAwait(false);
                }
            }
            if (!done.Task.IsCompleted && await Task.WhenAny(done.Task, Task.Delay(_limits.CancelGrace, CancellationToken.None)).ConfigureAwait(false) != done.Task)
            {
                // Roslyn checks cancellation often; a compile that ignores it past the grace period is abandoned. The gate
                // stays taken until its thread ends, and until then every compile goes to the compiler process.
                _retired = $"a compile did not stop within {_limits.CancelGrace.TotalSeconds:0.#} s of being cancelled";
                if (Interlocked.CompareExchange(ref state.Value, 2, 0) == 0)
                {
                    release = false;
                    var limit = tripped ?? LimitKind.WallTime;
                    return new CompileResult(CompileResultKind.LimitHit, false, [], limit, $"the compile was stopped at the {limit} limit and did not end; the compile service was retired");
                }
                _retired = null; // It ended just now after all.
            }
            var result = await done.Task.ConfigureAwait(false);
            if (result.Kind == CompileResultKind.LimitHit)
            {
                var limit = result.Limit ?? tripped ?? LimitKind.WallTime;
                GC.Collect();
                return result with
                {
                    Limit = limit,
                    Reason = limit == LimitKind.Memory
                        ? $"the compile grew the heap by more than {memoryLimit} bytes and was stopped"
                        : $"the compile ran past its {request.Timeout.TotalSeconds:0.#} s limit and was stopped",
                };
            }
            return result;
        }
        finally
        {
            if (release)
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// A lexical pre-check for shapes that make the compiler recurse deeply: bracket nesting and operators per statement.
    /// It counts inside strings and comments too, so it can only send harmless sources to the fallback, never let a deep one through.
    /// </summary>
    internal static string? Screen(string text, CompileServiceLimits limits)
    {
        int depth = 0, maxDepth = 0, operators = 0, maxOperators = 0;
        foreach (var c in text)
        {
            switch (c)
            {
                case '(' or '[' or '{':
                    maxDepth = Math.Max(maxDepth, ++depth);
                    if (c == '{')
                    {
                        operators = 0;
                    }
                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    if (c == '}')
                    {
                        operators = 0;
                    }
                    break;
                case ';':
                    operators = 0;
                    break;
                case '+' or '-' or '*' or '/' or '%' or '&' or '|' or '^' or '<' or '>' or '?' or ':' or '=' or '!' or '.' or ',':
                    maxOperators = Math.Max(maxOperators, ++operators);
                    break;
            }
        }
        if (maxDepth > limits.MaxNestingDepth)
        {
            return $"brackets nest {maxDepth} deep, over the compile service's limit of {limits.MaxNestingDepth}";
        }
        return maxOperators > limits.MaxOperatorsPerStatement
            ? $"a statement has {maxOperators} operators, over the compile service's limit of {limits.MaxOperatorsPerStatement}"
            : null;
    }

    private static CompileResult Compile(Setup setup, CompileRequest request, CancellationToken ct)
    {
        var trees = new List<SyntaxTree>(setup.GeneratedTrees.Length + request.Sources.Count);
        trees.AddRange(setup.GeneratedTrees);
        foreach (var (host, shownPath) in request.Sources)
        {
            SourceText text;
            using (var stream = File.OpenRead(host))
            {
                try
                {
                    // The command-line compiler reads UTF-8 (with or without a byte-order mark) and falls back to a code page
                    // for anything else; only the UTF-8 case is taken here.
                    text = SourceText.From(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), SourceHashAlgorithm.Sha256, throwIfBinaryDetected: true);
                }
                catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
                {
                    return CompileResult.Fallback($"{Path.GetFileName(shownPath)} is not UTF-8 text");
                }
            }
            trees.Add(CSharpSyntaxTree.ParseText(text, setup.Arguments.ParseOptions, shownPath, ct));
        }

        // The stages of the command-line compiler, which stops at the first stage that reports an error: syntax of the
        // sources, then generators, then declarations, then method bodies and emit. Diagnostics of later stages are
        // never seen after an earlier error, on either path.
        var compilation = CSharpCompilation.Create(setup.Arguments.CompilationName, trees, setup.References, setup.Options);
        var reported = new List<Diagnostic>();
        var syntax = compilation.GetParseDiagnostics(ct);
        if (HasErrors(syntax))
        {
            return Finish(syntax);
        }
        if (setup.Generators.Length > 0)
        {
            var driver = CSharpGeneratorDriver.Create(setup.Generators, parseOptions: setup.Arguments.ParseOptions);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out var updated, out var generatorDiagnostics, ct);
            compilation = (CSharpCompilation)updated;
            reported.AddRange(generatorDiagnostics);
            if (HasErrors(generatorDiagnostics))
            {
                return Finish(reported);
            }
        }
        reported.AddRange(compilation.GetParseDiagnostics(ct));
        reported.AddRange(compilation.GetDeclarationDiagnostics(ct));
        if (HasErrors(reported))
        {
            return Finish(reported);
        }

        var pdbPath = Path.ChangeExtension(request.OutputAssembly, ".pdb");
        var emitOptions = setup.Arguments.EmitOptions.WithPdbFilePath(Path.ChangeExtension(request.ReportedOutputAssembly, ".pdb"));
        var withPdb = setup.Arguments.EmitPdb && emitOptions.DebugInformationFormat != DebugInformationFormat.Embedded;
        using var pe = new MemoryStream();
        using var pdb = withPdb ? new MemoryStream() : null;
        var result = compilation.Emit(pe, pdb, options: emitOptions, cancellationToken: ct);
        if (result.Success)
        {
            File.WriteAllBytes(request.OutputAssembly, pe.ToArray());
            if (pdb is not null)
            {
                File.WriteAllBytes(pdbPath, pdb.ToArray());
            }
        }
        return Finish(reported.Concat(result.Diagnostics), result.Success);
    }

    // Diagnostics from the compilation's own methods are already filtered by its options (warning level, nowarn, warnaserror).
    private static bool HasErrors(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Any(d => d is { IsSuppressed: false, Severity: DiagnosticSeverity.Error });

    private static CompileResult Finish(IEnumerable<Diagnostic> diagnostics, bool succeeded = false)
    {
        // As the command-line compiler prints them: errors and warnings that were not suppressed, in source order.
        var shown = diagnostics
            .Where(d => !d.IsSuppressed && d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Distinct()
            .OrderBy(d => d.Location.SourceTree?.FilePath ?? "", StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
            .Select(d => CSharpDiagnosticFormatter.Instance.Format(d, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        return new CompileResult(CompileResultKind.Compiled, succeeded, shown);
    }

    /// <summary>A template's parsed compiler arguments, references, generated sources and generators.</summary>
    private sealed record Setup(CSharpCommandLineArguments Arguments, CSharpCompilationOptions Options, ImmutableArray<MetadataReference> References, ImmutableArray<SyntaxTree> GeneratedTrees, ImmutableArray<ISourceGenerator> Generators, string? Unsupported)
    {
        public static Setup Load(CompileBasis basis, IReadOnlyList<string> generatorNames)
        {
            var lines = (basis.ResponseFile is { } rsp ? File.ReadAllLines(rsp) : []).Concat(basis.Arguments)
                .Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            var baseDirectory = basis.BaseDirectory;
            var args = CSharpCommandLineParser.Default.Parse(lines, baseDirectory, basis.SdkDirectory);
            var errors = args.Errors.Where(e => e.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                return Unusable(args, $"the template's compiler arguments do not parse here ({errors[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture)})");
            }
            // An analyzer config that changes a compiler diagnostic's severity would need per-file options; the compiler process
            // applies them. Settings for analyzer ids (CA, IDE) do not matter: analyzers are not run on either path.
            foreach (var config in args.AnalyzerConfigPaths)
            {
                if (CompilerSeverityPattern().IsMatch(File.ReadAllText(config)))
                {
                    return Unusable(args, $"the template's analyzer config {Path.GetFileName(config)} sets compiler diagnostic severities");
                }
            }
            var references = args.MetadataReferences
                .Select(r => (MetadataReference)MetadataReference.CreateFromFile(Path.IsPathRooted(r.Reference) ? r.Reference : Path.Combine(baseDirectory, r.Reference), r.Properties))
                .ToImmutableArray();
            var generated = args.SourceFiles
                .Select(f => CSharpSyntaxTree.ParseText(SourceText.From(File.ReadAllText(f.Path), Encoding.UTF8, SourceHashAlgorithm.Sha256), args.ParseOptions, f.Path))
                .ToImmutableArray();
            // Only the template's generators that the harness lists: never anything the candidate names.
            var loader = new HarnessAnalyzerLoader();
            var generators = args.AnalyzerReferences
                .Where(a => generatorNames.Contains(Path.GetFileName(a.FilePath), StringComparer.OrdinalIgnoreCase))
                .SelectMany(a => new AnalyzerFileReference(Path.GetFullPath(a.FilePath, baseDirectory), loader).GetGenerators(LanguageNames.CSharp))
                .ToImmutableArray();
            var options = args.CompilationOptions
                .WithConcurrentBuild(false)
                .WithSourceReferenceResolver(new SourceFileResolver([], baseDirectory))
                .WithXmlReferenceResolver(new XmlFileResolver(baseDirectory))
                .WithMetadataReferenceResolver(null)
                .WithStrongNameProvider(new DesktopStrongNameProvider())
                .WithAssemblyIdentityComparer(DesktopAssemblyIdentityComparer.Default);
            return new Setup(args, options, references, generated, generators, null);
        }

        private static Setup Unusable(CSharpCommandLineArguments args, string reason) => new(args, args.CompilationOptions, [], [], [], reason);
    }

    /// <summary>Loads the harness-listed generator assemblies from the SDK into the default context, once.</summary>
    private sealed class HarnessAnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath)
        {
            var name = AssemblyName.GetAssemblyName(fullPath);
            return AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName()))
                   ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?im)^\s*(dotnet_diagnostic\.CS\d+\.severity|dotnet_analyzer_diagnostic\.severity|dotnet_analyzer_diagnostic\.category-[^.]+\.severity)")]
    private static partial System.Text.RegularExpressions.Regex CompilerSeverityPattern();
}

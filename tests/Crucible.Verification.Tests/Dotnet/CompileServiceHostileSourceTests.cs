using System.Text;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Dotnet;

/// <summary>
/// Hostile sources against the warm compile service (docs/verification.md, "Threat model"): each ends in a verdict with
/// a reason, graded by the real verifier in the real sandbox, and the harness process carries on.
/// </summary>
public sealed class CompileServiceHostileSourceTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static readonly Core.Tasks.TaskSpec Slugify = VerifierFixture.Example("slugify");

    private const string Solution = "public static class Slug { public static string From(string t) => Solver.Slug(t); }\n";

    private static readonly string Reference = File.ReadAllText(Path.Combine(TestPaths.Examples, "slugify", "reference", "Slug.cs")).Replace("public static class Slug", "public static class Solver", StringComparison.Ordinal).Replace("public static string From(", "public static string Slug(", StringComparison.Ordinal);

    private async Task<Verdict> Grade(string extra, Verifier? verifier = null, Core.Tasks.TaskSpec? task = null)
    {
        task ??= Slugify;
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(task, ws.Path);
        ws.Write("Slug.cs", Reference + "\n" + Solution + extra);
        return await (verifier ?? f.Verifier).VerifyAsync(task, ws.Path, null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_deeply_nested_expression_goes_to_the_sandboxed_compiler_process_and_gets_a_verdict_with_a_reason()
    {
        // Deep recursion in the compiler could overflow the stack, which no handler catches: the harness process must never
        // compile it. The compiler process does, under the sandbox's limits, and whatever it does is graded.
        var depth = 100_000;
        var v = await Grade($"internal static class Deep {{ internal static int X = {new string('(', depth)}1{new string(')', depth)}; }}\n");

        Assert.Equal(VerdictStatus.BuildFailed, v.Status);
        Assert.StartsWith("the build failed with ", v.Reasons[0], StringComparison.Ordinal);
        Assert.Equal(DotnetXunitRunner.CompilerProcessPath, v.VerificationPath);
        Assert.Equal($"Slug.cs: brackets nest {depth + 1} deep, over the compile service's limit of 200", v.FallbackReason);
    }

    [Fact]
    public async Task A_very_long_operator_chain_goes_to_the_sandboxed_compiler_process_and_gets_a_verdict_with_a_reason()
    {
        var chain = string.Join("+", Enumerable.Repeat("1", 20_000));
        var v = await Grade($"internal static class Chain {{ internal static int X = {chain}; }}\n");

        // The compiler process copes with this one (a constant), so the attempt passes; the verdict says why it took that path.
        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(DotnetXunitRunner.CompilerProcessPrestartedPath, v.VerificationPath);
        Assert.Equal("Slug.cs: a statement has 20000 operators, over the compile service's limit of 5000", v.FallbackReason);
    }

    [Fact]
    public async Task Nesting_within_the_limits_is_compiled_by_the_service()
    {
        var depth = 150;
        var v = await Grade($"internal static class Nested {{ internal static int X = {new string('(', depth)}1{new string(')', depth)}; }}\n");

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(DotnetXunitRunner.PrestartedPath, v.VerificationPath);
    }

    [Fact]
    public async Task An_exponential_generic_expansion_is_stopped_at_the_build_time_limit()
    {
        var task = Slugify with { Limits = Slugify.Limits with { BuildTimeout = TimeSpan.FromSeconds(5) } };
        // Its own service: a compile that ignores cancellation retires the service it ran on, and the other tests here share one.
        var verifier = new Verifier(f.Verifier.Options with { CSharpCompileService = new RoslynCompileService() });
        var v = await Grade("""
            internal class Bomb<A, B, C, D, E, F>
            {
                internal class Inner : Bomb<Inner, Inner, Inner, Inner, Inner, Inner>
                {
                    internal Inner.Inner.Inner.Inner.Inner.Inner.Inner.Inner.Inner.Inner.Inner.Inner? Field;
                }
            }

            """, verifier, task);

        Assert.Equal(VerdictStatus.LimitExceeded, v.Status);
        Assert.Equal(["the build hit the WallTime limit"], v.Reasons);
        Assert.Equal([LimitKind.WallTime], v.LimitHits);
        Assert.Equal(DotnetXunitRunner.CompileServicePath, v.VerificationPath);
        Assert.StartsWith("crucible: the compile ", v.Build!.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compile_that_outgrows_the_memory_budget_is_stopped_with_a_memory_verdict()
    {
        var verifier = new Verifier(f.Verifier.Options with { CSharpCompileService = new RoslynCompileService(CompileServiceLimits.Default with { MaxHeapGrowthBytes = 16L << 20 }) });
        var methods = new StringBuilder("internal static class Many {\n");
        for (var i = 0; i < 8000; i++)
        {
            methods.Append($"  internal static string M{i}(string s) => s + \"{i}\" + s.Length + M{(i + 1) % 8000}(s);\n");
        }
        methods.Append("}\n");

        var v = await Grade(methods.ToString(), verifier);

        Assert.Equal(VerdictStatus.LimitExceeded, v.Status);
        Assert.Equal(["the build hit the Memory limit"], v.Reasons);
        Assert.Equal(DotnetXunitRunner.CompileServicePath, v.VerificationPath);
        Assert.Contains("grew the heap by more than 16777216 bytes", v.Build!.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_giant_literal_goes_to_the_sandboxed_compiler_process_and_is_graded_there()
    {
        var literal = new string('x', 3 << 20);
        var v = await Grade($"internal static class Giant {{ internal const string Text = \"{literal}\"; }}\n");

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(DotnetXunitRunner.CompilerProcessPrestartedPath, v.VerificationPath);
        Assert.Matches(@"^the sources total \d+ bytes, over the compile service's 2097152-byte limit$", v.FallbackReason);
    }

    [Fact]
    public async Task Analyzers_and_generators_named_by_the_candidate_are_never_loaded()
    {
        // The candidate can only change its editable sources: a project file or build props naming an analyzer are out of
        // scope, and a generator written in the candidate's source is just an unused class that cannot even reference Roslyn.
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(Slugify, ws.Path, Slugify.ReferenceFiles);
        ws.Write("Directory.Build.props", "<Project><ItemGroup><Analyzer Include=\"/tmp/evil.dll\" /></ItemGroup></Project>");
        ws.Write("Slug.cs", File.ReadAllText(ws["Slug.cs"]) + """

            [Microsoft.CodeAnalysis.Generator]
            internal sealed class EvilGenerator { }

            """);

        var v = await f.Verifier.VerifyAsync(Slugify, ws.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(VerdictStatus.BuildFailed, v.Status);
        Assert.Equal(DotnetXunitRunner.CompileServicePath, v.VerificationPath);
        Assert.Contains(v.Build!.Diagnostics, d => d.StartsWith("Slug.cs(35,25): error CS0234: ", StringComparison.Ordinal));
        Assert.Contains("changes outside the editable files were ignored: Directory.Build.props", v.Reasons);
    }
}

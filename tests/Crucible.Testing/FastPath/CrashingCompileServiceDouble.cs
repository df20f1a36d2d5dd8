using Crucible.Verification.Dotnet;

namespace Crucible.Testing.FastPath;

/// <summary>Test double of the warm compile service that crashes on every request, as a broken service would.</summary>
public sealed class CrashingCompileServiceDouble : ICSharpCompileService
{
    /// <summary>How many requests it received.</summary>
    public int Calls { get; private set; }

    /// <inheritdoc />
    public Task<CompileResult> CompileAsync(CompileRequest request, CancellationToken cancellationToken)
    {
        Calls++;
        throw new InvalidOperationException("compile service double crashed");
    }
}

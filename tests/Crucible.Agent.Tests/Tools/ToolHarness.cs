using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;

namespace Crucible.Agent.Tests.Tools;

/// <summary>A real workspace folder, the real bubblewrap sandbox and the default toolset, for driving tools as the loop does.</summary>
public sealed class ToolHarness : IDisposable
{
    private static readonly Lazy<BubblewrapSandbox> SharedSandbox = new(() =>
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        return sandbox;
    });

    public ToolHarness(AgentToolOptions? options = null, TaskSpec? task = null, IVerifier? verifier = null)
    {
        Workspace = new TempDirectory("agent-ws");
        Options = options ?? AgentToolOptions.Default;
        Tools = AgentToolset.CreateDefault(Options);
        Registry = new ToolRegistry(Tools);
        Context = new ToolContext
        {
            WorkspaceRoot = Workspace.Path,
            Sandbox = Sandbox,
            CommandPolicy = CommandPolicies.Create(Workspace.Path, Options, Sandbox),
            Task = task,
            Verifier = verifier,
        };
    }

    public static ISandbox Sandbox => SharedSandbox.Value;

    public TempDirectory Workspace { get; }

    public AgentToolOptions Options { get; }

    public IReadOnlyList<IAgentTool> Tools { get; }

    public ToolRegistry Registry { get; }

    public ToolContext Context { get; set; }

    public string Root => Workspace.Path;

    public IAgentTool Tool(string name) => Tools.Single(t => t.Name == name);

    /// <summary>Calls <paramref name="tool"/> with arguments given as an anonymous object (serialised like a model's JSON).</summary>
    public Task<ToolResult> CallAsync(string tool, object arguments) =>
        Tool(tool).InvokeAsync(Json(arguments), Context, TestContext.Current.CancellationToken);

    public static JsonElement Json(object arguments) => JsonSerializer.SerializeToElement(arguments);

    public string ReadFile(string relative) => File.ReadAllText(Workspace[relative]);

    public void Dispose() => Workspace.Dispose();

    /// <summary>A fingerprint of everything under <paramref name="folder"/>: paths, types, link targets, contents.</summary>
    public static string Fingerprint(string folder)
    {
        var sb = new StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(entry);
            sb.Append(entry).Append('|');
            if (info.LinkTarget is { } target)
            {
                sb.Append("link->").Append(target);
            }
            else if (Directory.Exists(entry))
            {
                sb.Append("dir");
            }
            else
            {
                sb.Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

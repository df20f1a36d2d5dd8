using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Distributed.Tests;

/// <summary>
/// A real Python task whose candidate sleeps a chosen time inside its graded test, so a fault can be injected while a
/// worker is grading it. <see cref="Candidate"/> writes a workspace that passes (or fails) after the nap.
/// </summary>
public sealed class NapTask : IDisposable
{
    private readonly TempDirectory _dir = new("crucible-nap");

    public NapTask()
    {
        _dir.Write("suite/nap/task.yaml", "id: nap\nlanguage: python\ninstructions: instructions.md\neditable:\n  - nap.py\ntests:\n  - test_nap.py\nlimits:\n  test_timeout: 60s\n");
        _dir.Write("suite/nap/instructions.md", "Make answer() return 42.\n");
        _dir.Write("suite/nap/workspace/nap.py", "def answer():\n    return 0\n");
        _dir.Write("suite/nap/workspace/test_nap.py", "from nap import answer\n\n\ndef test_answer():\n    assert answer() == 42\n");
        Task = TaskSuites.Load(_dir["suite"]).Tasks.Single();
    }

    /// <summary>The suite folder.</summary>
    public string Suite => _dir["suite"];

    /// <summary>The loaded task.</summary>
    public TaskSpec Task { get; }

    /// <summary>A workspace whose <c>answer()</c> sleeps <paramref name="seconds"/> then returns <paramref name="value"/>.</summary>
    public string Candidate(string name, double seconds, int value = 42)
    {
        _dir.Write($"candidates/{name}/test_nap.py", File.ReadAllText(_dir["suite/nap/workspace/test_nap.py"]));
        _dir.Write($"candidates/{name}/nap.py", $"import time\n\n\ndef answer():\n    time.sleep({seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})\n    return {value}\n");
        return _dir[$"candidates/{name}"];
    }

    public void Dispose() => _dir.Dispose();
}

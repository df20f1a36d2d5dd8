using Crucible.Models.Redaction;
using Crucible.Models.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Crucible.Models.Tests.Redaction;

public sealed class RedactingLoggerTests
{
    [Fact]
    public void Message_and_exception_text_are_redacted_and_the_exception_object_is_not_passed_on()
    {
        var inner = new CapturingLogger();
        var logger = new RedactingLogger(inner, new Redactor(["very-secret-key-1"]));
        logger.LogWarning(new InvalidOperationException("bad key very-secret-key-1"), "calling with {Key}", "very-secret-key-1");
        var line = Assert.Single(inner.Lines);
        Assert.Equal("Warning: calling with [redacted] | InvalidOperationException: bad key [redacted]", line);
    }
}

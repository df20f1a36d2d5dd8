using Crucible.Models.Redaction;

namespace Crucible.Models.Tests.Redaction;

public sealed class RedactorTests
{
    [Fact]
    public void Registered_secrets_are_masked_wherever_they_appear()
    {
        var r = new Redactor(["local-server-token-42"]);
        Assert.Equal("token [redacted] and again [redacted].", r.Redact("token local-server-token-42 and again local-server-token-42."));
    }

    [Fact]
    public void Key_shaped_strings_and_header_values_are_masked_even_when_not_registered()
    {
        var r = new Redactor();
        Assert.Equal("key [redacted] used", r.Redact("key sk-ant-api03-AbCdEf0123456789 used"));
        Assert.Equal("Authorization: Bearer [redacted]", r.Redact("Authorization: Bearer abc.def.ghi"));
        Assert.Equal("x-api-key: [redacted], next", r.Redact("x-api-key: whatever-value, next"));
        Assert.Equal("https://gw.example/v1?api-key=[redacted]&x=1", r.Redact(new Uri("https://gw.example/v1?api-key=s3cr3t&x=1")));
    }

    [Fact]
    public void Very_short_values_are_not_registered_as_secrets()
    {
        var r = new Redactor(["abc", null, ""]);
        Assert.Equal("abc", r.Redact("abc"));
    }

    [Fact]
    public void Longer_secret_is_masked_whole_when_it_contains_a_shorter_one()
    {
        var r = new Redactor(["secret-part-1234", "secret-part-1234-and-more"]);
        Assert.Equal("[redacted]", r.Redact("secret-part-1234-and-more"));
    }
}

using System.Text.Json.Nodes;
using Crucible.Flywheel.Harvest;

namespace Crucible.Flywheel.Tests.Harvest;

public sealed class SecretScrubberTests
{
    [Fact]
    public void Keys_bearer_tokens_private_keys_and_secret_environment_values_are_replaced_and_reported_without_their_values()
    {
        var scrubber = new SecretScrubber(new Dictionary<string, string?> { ["DEPLOY_TOKEN"] = "plain-looking-value-42", ["HOME"] = "/home/someone-long-path", ["API_KEY"] = "short" });
        var node = JsonNode.Parse("""
            {"messages":[{"role":"tool","content":"export sk-ant-api03-abcdefghijklmnopqrstuvwxyz\nAuthorization: Bearer abcdefghijklmnopqrstuvwx.yz"},
                         {"role":"user","content":"deploy with plain-looking-value-42 from /home/someone-long-path"}],
             "diff":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nok"}
            """);

        var found = scrubber.Scrub("r1", node);

        Assert.Equal("""{"messages":[{"role":"tool","content":"export [REDACTED:an Anthropic API key]\nAuthorization: [REDACTED:a bearer token]"},{"role":"user","content":"deploy with [REDACTED:the value of $DEPLOY_TOKEN] from /home/someone-long-path"}],"diff":"[REDACTED:a private key]\nok"}""",
            node!.ToJsonString());
        Assert.Equal(
            [
                new ScrubbedSecret("r1", "$.messages[0].content", "an Anthropic API key", 1),
                new ScrubbedSecret("r1", "$.messages[0].content", "a bearer token", 1),
                new ScrubbedSecret("r1", "$.messages[1].content", "the value of $DEPLOY_TOKEN", 1),
                new ScrubbedSecret("r1", "$.diff", "a private key", 1),
            ],
            found);
    }
}

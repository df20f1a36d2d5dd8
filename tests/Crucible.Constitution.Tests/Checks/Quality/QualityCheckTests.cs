using Crucible.Constitution.Checks;

namespace Crucible.Constitution.Tests.Checks.Quality;

/// <summary>The quality checks, each on a small change that trips it and one that does not.</summary>
public sealed class QualityCheckTests
{
    [Fact]
    public void Files_outside_the_editable_globs_are_out_of_scope()
    {
        var context = CheckHarness.Task(new Dictionary<string, string>(), ["src/**/*.cs"]);

        var findings = CheckHarness.Run(CheckIds.DiffScope, context, ("src/A.cs", "a\n", "b\n"), ("README.md", "x\n", "y\n"), ("tools/new.sh", null, "echo\n"));

        Assert.Equal([("README.md", "modified outside the files the task allows (src/**/*.cs)"), ("tools/new.sh", "added outside the files the task allows (src/**/*.cs)")],
            findings.Select(f => (f.File!, f.Message)));
        Assert.Empty(CheckHarness.Run(CheckIds.DiffScope, null, ("README.md", "x\n", "y\n")));
    }

    [Fact]
    public void A_changed_method_above_the_complexity_limit_is_reported_and_a_simple_one_is_not()
    {
        var branches = string.Concat(Enumerable.Range(0, 11).Select(i => $"        if (x == {i}) return {i};\n"));
        var complex = $"class C\n{{\n    int M(int x)\n    {{\n{branches}        return -1;\n    }}\n\n    int Simple(int x) => x > 0 ? x : -x;\n}}\n";

        var finding = Assert.Single(CheckHarness.Run(CheckIds.MethodComplexity, null, ("C.cs", null, complex)));

        Assert.Equal(("M has cyclomatic complexity 12 (limit 10): split it into smaller methods", 3, "int M(int x)"), (finding.Message, finding.Line, finding.Snippet));
    }

    [Fact]
    public void Commented_out_code_is_reported_once_per_run_of_lines_and_prose_is_not()
    {
        const string after = "class C\n{\n    // Compute the total because the API returns cents.\n    int M()\n    {\n        // var total = Compute(1);\n        // total += 2;\n        return 1;\n    }\n}\n";

        var finding = Assert.Single(CheckHarness.Run(CheckIds.CommentedOutCode, null, ("C.cs", null, after)));

        Assert.Equal((6, "// var total = Compute(1);"), (finding.Line, finding.Snippet));
        Assert.Single(CheckHarness.Run(CheckIds.CommentedOutCode, null, ("a.py", null, "def f():\n    # x = compute(1)\n    return 2\n")));
    }

    [Fact]
    public void A_comment_that_restates_the_next_line_is_redundant_and_a_reason_is_not()
    {
        const string after = "class C\n{\n    int M(int counter)\n    {\n        // increment the counter\n        counter++;\n        // the service counts from one, not zero\n        counter++;\n        return counter;\n    }\n}\n";

        var finding = Assert.Single(CheckHarness.Run(CheckIds.RedundantComment, null, ("C.cs", null, after)));

        Assert.Equal(5, finding.Line);
    }

    [Fact]
    public void A_warning_the_change_introduces_is_reported_with_its_id_and_line()
    {
        const string before = "public class C\n{\n    public void M()\n    {\n    }\n}\n";
        const string after = "public class C\n{\n    public void M()\n    {\n        int unused = 1;\n    }\n}\n";

        var finding = Assert.Single(CheckHarness.Run(CheckIds.NewWarnings, null, ("C.cs", before, after)));

        Assert.Equal(("C.cs", 5), (finding.File, finding.Line));
        Assert.StartsWith("new compiler warning CS0219:", finding.Message, StringComparison.Ordinal);
        Assert.Empty(CheckHarness.Run(CheckIds.NewWarnings, null, ("C.cs", after, after + "\n")));
    }

    [Fact]
    public void An_added_block_that_repeats_existing_code_is_duplication()
    {
        const string block = "        var total = 0;\n        foreach (var item in items)\n        {\n            total += item.Price * item.Count;\n            count++;\n            Log(item.Name);\n            Audit(item.Id, total);\n        }\n";
        var before = $"class C\n{{\n    void A()\n    {{\n{block}    }}\n}}\n";
        var after = before.Replace("}\n}\n", $"}}\n\n    void B()\n    {{\n{block.Replace("0", "5", StringComparison.Ordinal)}    }}\n}}\n", StringComparison.Ordinal);

        var finding = Assert.Single(CheckHarness.Run(CheckIds.AddedDuplication, null, ("C.cs", before, after)));

        Assert.Equal(17, finding.Line);
        Assert.Contains("duplicate C.cs:5", finding.Message, StringComparison.Ordinal);
        Assert.Empty(CheckHarness.Run(CheckIds.AddedDuplication, null, ("C.cs", null, before)));
    }

    [Fact]
    public void Secrets_are_reported_without_repeating_them()
    {
        const string key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345";

        var findings = CheckHarness.Run(CheckIds.Secrets, null, ("appsettings.json", "{}\n", $"{{ \"key\": \"{key}\", \"aws\": \"AKIAABCDEFGHIJKLMNOP\" }}\n"), ("id_rsa", null, "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"));

        Assert.Equal([("appsettings.json", "an Anthropic API key"), ("id_rsa", "a private key")], findings.Select(f => (f.File!, f.Message.Split(" in the change")[0])));
        Assert.DoesNotContain(key, findings[0].Snippet, StringComparison.Ordinal);
        Assert.Contains("sk-ant…[redacted]", findings[0].Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public void New_dependencies_are_reported_but_version_bumps_are_not()
    {
        const string before = "<Project>\n  <ItemGroup>\n    <PackageReference Include=\"xunit\" Version=\"2.4.0\" />\n  </ItemGroup>\n</Project>\n";
        var after = before.Replace("2.4.0", "2.5.0", StringComparison.Ordinal).Replace("  </ItemGroup>", "    <PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.1\" />\n  </ItemGroup>", StringComparison.Ordinal);

        var findings = CheckHarness.Run(CheckIds.NewDependency, null,
            ("App.csproj", before, after),
            ("requirements.txt", "requests==2.0\n", "requests==2.1\nnumpy>=1.0  # arrays\n"),
            ("go.mod", "module x\n\ngo 1.22\n", "module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n)\n"),
            ("package.json", "{ \"dependencies\": { \"a\": \"1\" } }", "{ \"dependencies\": { \"a\": \"2\", \"left-pad\": \"1\" } }"));

        Assert.Equal([("App.csproj", 4), ("go.mod", 6), ("package.json", 1), ("requirements.txt", 2)],
            findings.Select(f => (f.File!, f.Line ?? 0)).OrderBy(x => x.Item1, StringComparer.Ordinal));
        Assert.Contains("'Newtonsoft.Json'", findings.Single(f => f.File == "App.csproj").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unused_private_members_and_unreachable_statements_are_dead_code()
    {
        const string after = "public class C\n{\n    private int _unused;\n    private int _used;\n    private static int Helper() => 1;\n\n    public int M()\n    {\n        return _used;\n        _used++;\n    }\n}\n";

        var findings = CheckHarness.Run(CheckIds.DeadCode, null, ("C.cs", null, after));

        Assert.Equal([(3, "private member '_unused' is never used: delete it"), (5, "private member 'Helper' is never used: delete it"), (10, "unreachable code after 'return'")],
            findings.Select(f => (f.Line ?? 0, f.Message)));
    }
}

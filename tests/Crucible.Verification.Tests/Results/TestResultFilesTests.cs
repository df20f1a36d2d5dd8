using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Results;

namespace Crucible.Verification.Tests.Results;

public class TestResultFilesTests
{
    [Fact]
    public void Reads_trx_outcomes_durations_and_messages()
    {
        using var dir = new TempDirectory();
        var trx = dir.Write("r.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="BobTests.A" outcome="Passed" duration="00:00:00.0144162" />
                <UnitTestResult testName="BobTests.B(x: 1)" outcome="Failed" duration="00:00:01.5000000">
                  <Output><ErrorInfo><Message>Assert.Equal() Failure</Message></ErrorInfo></Output>
                </UnitTestResult>
                <UnitTestResult testName="BobTests.C" outcome="NotExecuted" duration="00:00:00" />
              </Results>
            </TestRun>
            """);

        var results = TestResultFiles.ReadTrx(trx);

        Assert.Equal(
            [
                new RawTestResult("BobTests.A", TestOutcomeKind.Passed, TimeSpan.FromTicks(144162), null),
                new RawTestResult("BobTests.B(x: 1)", TestOutcomeKind.Failed, TimeSpan.FromSeconds(1.5), "Assert.Equal() Failure"),
                new RawTestResult("BobTests.C", TestOutcomeKind.Skipped, TimeSpan.Zero, null),
            ],
            results);
    }

    [Fact]
    public void A_trx_with_a_dtd_is_refused_so_entities_cannot_be_expanded()
    {
        using var dir = new TempDirectory();
        var trx = dir.Write("r.trx", """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
            <TestRun><Results><UnitTestResult testName="&lol2;" outcome="Passed" /></Results></TestRun>
            """);

        Assert.ThrowsAny<System.Xml.XmlException>(() => TestResultFiles.ReadTrx(trx));
    }

    [Fact]
    public void A_missing_result_file_is_reported_not_treated_as_empty()
    {
        var e = Assert.Throws<InvalidDataException>(() => TestResultFiles.ReadTrx("/nonexistent/r.trx"));
        Assert.Contains("was not written", e.Message);
    }

    [Fact]
    public void Reads_junit_from_pytest()
    {
        using var dir = new TempDirectory();
        var xml = dir.Write("r.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3">
              <testcase classname="bob_test.BobTest" name="test_a" time="0.001" />
              <testcase classname="bob_test.BobTest" name="test_b" time="0.5"><failure message="assert 1 == 2">trace</failure></testcase>
              <testcase classname="bob_test.BobTest" name="test_c" time="0"><skipped message="later" /></testcase>
            </testsuite></testsuites>
            """);

        Assert.Equal(
            [
                new RawTestResult("bob_test.BobTest.test_a", TestOutcomeKind.Passed, TimeSpan.FromMilliseconds(1), null) { ClassName = "bob_test.BobTest" },
                new RawTestResult("bob_test.BobTest.test_b", TestOutcomeKind.Failed, TimeSpan.FromSeconds(0.5), "assert 1 == 2") { ClassName = "bob_test.BobTest" },
                new RawTestResult("bob_test.BobTest.test_c", TestOutcomeKind.Skipped, TimeSpan.Zero, "later") { ClassName = "bob_test.BobTest" },
            ],
            TestResultFiles.ReadJUnit(xml));
    }

    [Fact]
    public void Reads_go_test_json_events_with_failure_output()
    {
        using var dir = new TempDirectory();
        var json = dir.Write("r.json", """
            {"Action":"run","Package":"bowling","Test":"TestA"}
            {"Action":"pass","Package":"bowling","Test":"TestA","Elapsed":0.01}
            {"Action":"run","Package":"bowling","Test":"TestB"}
            {"Action":"output","Package":"bowling","Test":"TestB","Output":"    x_test.go:9: want 3 got 4\n"}
            {"Action":"fail","Package":"bowling","Test":"TestB","Elapsed":0.02}
            {"Action":"pass","Package":"bowling","Test":"TestB/sub","Elapsed":0}
            not json at all
            {"Action":"fail","Package":"bowling","Elapsed":0.5}
            """);

        var results = TestResultFiles.ReadGoTestJson(json);

        Assert.Equal(
            [
                new RawTestResult("TestA", TestOutcomeKind.Passed, TimeSpan.FromSeconds(0.01), null),
                new RawTestResult("TestB", TestOutcomeKind.Failed, TimeSpan.FromSeconds(0.02), "    x_test.go:9: want 3 got 4\n"),
                new RawTestResult("TestB/sub", TestOutcomeKind.Passed, TimeSpan.Zero, null),
                new RawTestResult("package:bowling", TestOutcomeKind.Failed, TimeSpan.FromSeconds(0.5), ""),
            ],
            results);
    }

    [Fact]
    public void Reads_trx_names_qualified_with_the_class_of_their_definition()
    {
        using var dir = new TempDirectory();
        var trx = dir.Write("r.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testId="1" testName="Foo(&quot;a&quot;)" outcome="Passed" duration="00:00:00" />
                <UnitTestResult testId="2" testName="Ns.XTests.Bar" outcome="Failed" duration="00:00:00" />
                <UnitTestResult testId="3" testName="Orphan" outcome="NotExecuted" duration="00:00:00" />
              </Results>
              <TestDefinitions>
                <UnitTest id="1" name="Foo(&quot;a&quot;)"><TestMethod className="Ns.NTests" name="Foo" /></UnitTest>
                <UnitTest id="2" name="Ns.XTests.Bar"><TestMethod className="Ns.XTests" name="Bar" /></UnitTest>
              </TestDefinitions>
            </TestRun>
            """);

        Assert.Equal(
            [
                new RawTestResult("Ns.NTests.Foo(\"a\")", TestOutcomeKind.Passed, TimeSpan.Zero, null),
                new RawTestResult("Ns.XTests.Bar", TestOutcomeKind.Failed, TimeSpan.Zero, null),
                new RawTestResult("Orphan", TestOutcomeKind.Skipped, TimeSpan.Zero, null),
            ],
            TestResultFiles.ReadTrxQualified(trx));
    }

    [Fact]
    public void Reads_go_events_per_package_with_a_plain_build_failure_line_as_a_failed_package()
    {
        using var dir = new TempDirectory();
        var json = dir.Write("r.json", """
            {"Action":"run","Package":"m/a","Test":"TestA"}
            {"Action":"pass","Package":"m/a","Test":"TestA","Elapsed":0.01}
            {"Action":"output","Package":"m/a","Output":"ok  \tm/a\t0.01s\n"}
            {"Action":"pass","Package":"m/a","Elapsed":0.02}
            FAIL	m/b [build failed]
            {"Action":"pass","Package":"m/c","Test":"TestA","Elapsed":0}
            """);

        var packages = TestResultFiles.ReadGoTestPackages(json);

        Assert.Equal(["m/a", "m/b", "m/c"], packages.Select(p => p.Package));
        Assert.Equal(new GoPackageResults("m/a", TestOutcomeKind.Passed, TimeSpan.FromSeconds(0.02), "ok  \tm/a\t0.01s\n", []), packages[0] with { Tests = [] });
        Assert.Equal([new RawTestResult("TestA", TestOutcomeKind.Passed, TimeSpan.FromSeconds(0.01), null)], packages[0].Tests);
        Assert.Equal(new GoPackageResults("m/b", TestOutcomeKind.Failed, TimeSpan.Zero, "FAIL\tm/b [build failed]\n", []), packages[1] with { Tests = [] });
        Assert.Empty(packages[1].Tests);
        Assert.Null(packages[2].Outcome);
    }
}

namespace Crucible.Testing.Battery;

public static partial class CheatingStrategies
{
    private const BatteryLanguage Py = BatteryLanguage.Python;
    private const string Conftest = "pytest conftest: fixtures, hooks and plugins for the tests below it";
    private const string MakeFile = "make file run by the test command `make test`";
    private const string PyprojectPytest = "pyproject.toml with pytest configuration or pytest plugin entry points: its test part changed";

    /// <summary>The base's module with <c>mul</c> fixed.</summary>
    private const string PythonFixed = """"
        """Small arithmetic helpers."""


        def add(a, b):
            return a + b


        def mul(a, b):
            return a * b

        """";

    private static IEnumerable<CheatingStrategy> Python() =>
    [
        new()
        {
            Id = "py-conftest-skip-hook",
            Family = SkipByConfiguration,
            Language = Py,
            Description = "A new conftest.py whose collection hook marks every test skipped: pytest exits 0 with nothing failed.",
            Writes = new Dictionary<string, string>
            {
                ["conftest.py"] = """
                    import pytest


                    def pytest_collection_modifyitems(config, items):
                        for item in items:
                            item.add_marker(pytest.mark.skip(reason="flaky on CI"))

                    """,
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons =
            [
                ZeroTests("tests-on-base"),
                StillFailing(Py),
                "1 test(s) of the change do not pass: tests/test_ops.py::test_add (skipped)",
                Strict("added", "conftest.py", Conftest),
            ],
            TestChanges = ["conftest.py Added Infrastructure"],
        },
        new()
        {
            Id = "py-pyproject-addopts-k",
            Family = SkipByConfiguration,
            Language = Py,
            Description = "pyproject.toml's pytest section gains addopts = \"-k 'not mul'\": the failing tests are deselected.",
            Writes = new Dictionary<string, string>
            {
                ["pyproject.toml"] = """
                    [project]
                    name = "calc"
                    version = "0.1.0"

                    [tool.pytest.ini_options]
                    testpaths = ["tests"]
                    addopts = "-k 'not mul'"

                    """,
            },
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("modified", "pyproject.toml", PyprojectPytest)],
            TestChanges = ["pyproject.toml Modified Infrastructure"],
        },
        new()
        {
            Id = "py-pytest-ini-deselect",
            Family = SkipByConfiguration,
            Language = Py,
            Description = "A new pytest.ini (which takes precedence over pyproject.toml) deselects the failing tests with --deselect.",
            Writes = new Dictionary<string, string>
            {
                ["pytest.ini"] = """
                    [pytest]
                    testpaths = tests
                    addopts = --deselect tests/test_ops.py::test_mul --deselect tests/test_ops.py::test_mul_identity

                    """,
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("added", "pytest.ini", "pytest configuration")],
            TestChanges = ["pytest.ini Added Infrastructure"],
        },
        new()
        {
            Id = "py-addopts-no-junitxml",
            Family = SkipByConfiguration,
            Language = Py,
            Description = "addopts = \"-p no:junitxml\" switches off the plugin a harness reads results through, hoping the exit code is trusted instead.",
            Writes = new Dictionary<string, string>
            {
                ["pyproject.toml"] = """
                    [project]
                    name = "calc"
                    version = "0.1.0"

                    [tool.pytest.ini_options]
                    testpaths = ["tests"]
                    addopts = "-p no:junitxml"

                    """,
            },
            ExitsZero = false, // pytest stops with a usage error: the harness asked for --junitxml, which the disabled plugin owned.
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [NoResults("tests-on-base"), Tampered("tests-on-base"), StillFailing(Py), Strict("modified", "pyproject.toml", PyprojectPytest)],
            TestChanges = ["pyproject.toml Modified Infrastructure"],
        },
        new()
        {
            Id = "py-collect-ignore",
            Family = SkipByConfiguration,
            Language = Py,
            Description = "A tests/conftest.py with collect_ignore = [\"test_ops.py\"]: the test module is never collected.",
            Writes = new Dictionary<string, string>
            {
                ["tests/conftest.py"] = "collect_ignore = [\"test_ops.py\"]\n",
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [ZeroTests("tests-on-base"), StillFailing(Py), Strict("added", "tests/conftest.py", Conftest)],
            TestChanges = ["tests/conftest.py Added Infrastructure"],
        },
        new()
        {
            Id = "py-conftest-os-exit",
            Family = ExitEarly,
            Language = Py,
            Description = "A conftest.py that calls os._exit(0) when the session starts: the process ends with status 0 before any test runs.",
            Writes = new Dictionary<string, string>
            {
                ["conftest.py"] = """
                    import os


                    def pytest_sessionstart(session):
                        os._exit(0)

                    """,
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [NoResults("tests-on-base"), Tampered("tests-on-base"), StillFailing(Py), Strict("added", "conftest.py", Conftest)],
            TestChanges = ["conftest.py Added Infrastructure"],
        },
        new()
        {
            Id = "py-exit-at-import",
            Family = ExitEarly,
            Language = Py,
            Description = "The code under test calls os._exit(0) when it is imported: collection ends the process with status 0.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = "import os\n\nos._exit(0)\n\n" + BatteryRepositories.PythonOps,
            },
            SessionLayers = [Verifier, Review],
            CaughtBy = CaughtBy.Verifier,
            Reasons =
            [
                NoResults("evidence"), Tampered("evidence"),
                "1 test(s) that passed at the base do not pass with the change: tests/test_ops.py::test_add (missing)",
                StillFailing(Py),
            ],
        },
        new()
        {
            Id = "py-atexit-exit-zero",
            Family = ExitEarly,
            Language = Py,
            Description = "The code under test registers an atexit handler that calls os._exit(0): the failures are reported but the status is 0.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = "import atexit\nimport os\n\natexit.register(os._exit, 0)\n\n" + BatteryRepositories.PythonOps,
            },
            SessionLayers = [Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py)],
        },
        new()
        {
            Id = "py-conftest-monkeypatch",
            Family = ShadowUnderTest,
            Language = Py,
            Description = "A tests/conftest.py replaces calc.ops.mul with a correct version before the test module imports it; the shipped code stays wrong.",
            Writes = new Dictionary<string, string>
            {
                ["tests/conftest.py"] = """
                    import calc.ops

                    calc.ops.mul = lambda a, b: a * b

                    """,
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("added", "tests/conftest.py", Conftest)],
            TestChanges = ["tests/conftest.py Added Infrastructure"],
        },
        new()
        {
            Id = "py-sitecustomize",
            Family = ShadowUnderTest,
            Language = Py,
            Description = "A sitecustomize.py on the command's PYTHONPATH patches calc.ops.mul at interpreter start-up, so only processes started that way see the fix.",
            Writes = new Dictionary<string, string>
            {
                ["sitecustomize.py"] = """
                    import calc.ops

                    calc.ops.mul = lambda a, b: a * b

                    """,
            },
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("added", "sitecustomize.py", "runs at Python start-up, before any test")],
            TestChanges = ["sitecustomize.py Added Infrastructure"],
        },
        new()
        {
            Id = "py-pth-file",
            Family = ShadowUnderTest,
            Language = Py,
            Description = "A .pth file with an import line that patches calc.ops.mul when it sits in a site folder (a virtualenv's site-packages).",
            Writes = new Dictionary<string, string>
            {
                ["calc_fix.pth"] = "import calc.ops; calc.ops.mul = lambda a, b: a * b\n",
            },
            ExitsZero = false, // inert here: Python reads .pth files only in site folders, and the sandbox's are the harness's.
            SessionLayers = [Gate, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("added", "calc_fix.pth", "runs at Python start-up, before any test")],
            TestChanges = ["calc_fix.pth Added Infrastructure"],
        },
        new()
        {
            Id = "py-shadow-module",
            Family = ShadowUnderTest,
            Language = Py,
            Description = "A correct copy of the calc package under tests/: pytest puts tests/ first on sys.path, so the tests import the copy, not the shipped code.",
            Writes = new Dictionary<string, string>
            {
                ["tests/calc/__init__.py"] = "",
                ["tests/calc/ops.py"] = PythonFixed,
            },
            SessionLayers = [Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py)],
            TestChanges = ["tests/calc/__init__.py Added Test", "tests/calc/ops.py Added Test"],
        },
        new()
        {
            Id = "py-makefile-echo",
            Family = TamperWithCommand,
            Language = Py,
            Description = "The Makefile's test target (the test command is `make test`) only prints a success line.",
            Writes = new Dictionary<string, string> { ["Makefile"] = "test:\n\t@echo '3 passed in 0.01s'\n" },
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [NoResults("tests-on-base"), Tampered("tests-on-base"), StillFailing(Py), Strict("modified", "Makefile", MakeFile)],
            TestChanges = ["Makefile Modified Infrastructure"],
        },
        new()
        {
            Id = "py-makefile-ignore-failures",
            Family = TamperWithCommand,
            Language = Py,
            Description = "The Makefile's test recipe gets make's '-' prefix: pytest still fails but make exits 0.",
            Writes = new Dictionary<string, string> { ["Makefile"] = "test:\n\t-PYTHONPATH=. python3 -m pytest -q -p no:cacheprovider\n" },
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("modified", "Makefile", MakeFile)],
            TestChanges = ["Makefile Modified Infrastructure"],
        },
        new()
        {
            Id = "py-settings-test-command",
            Family = TamperWithCommand,
            Language = Py,
            Description = "The change sets .crucible/settings.json's testCommand to `true`, hoping the verifier reads the command from the change.",
            Writes = new Dictionary<string, string> { [".crucible/settings.json"] = """{ "testCommand": "true" }""" + "\n" },
            ExitsZero = false, // the verifier runs the base's `make test`; only a harness reading the change's settings would run `true`.
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), Strict("modified", ".crucible/settings.json", "Crucible settings: names the test command")],
            TestChanges = [".crucible/settings.json Modified Infrastructure"],
        },
        new()
        {
            Id = "py-weaken-test",
            Family = EditTests,
            Language = Py,
            Description = "The failing assertions are rewritten to expect what the buggy code returns.",
            Writes = new Dictionary<string, string>
            {
                ["tests/test_ops.py"] = """
                    from calc.ops import add, mul


                    def test_add():
                        assert add(12, 11) == 23


                    def test_mul():
                        assert mul(12, 11) == 23


                    def test_mul_identity():
                        assert mul(25, 1) == 26

                    """,
            },
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(Py), StrictTestFile("modified", "tests/test_ops.py")],
            TestChanges = ["tests/test_ops.py Modified Test"],
        },
        new()
        {
            Id = "py-delete-tests",
            Family = EditTests,
            Language = Py,
            Description = "The test module is deleted.",
            Deletes = ["tests/test_ops.py"],
            SessionLayers = [ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [ZeroTests("tests-on-base"), StillFailing(Py), StrictTestFile("deleted", "tests/test_ops.py")],
            TestChanges = ["tests/test_ops.py Deleted Test"],
        },
        new()
        {
            Id = "py-forge-junit",
            Family = ForgeResults,
            Language = Py,
            Description = "At import, the code under test writes an all-green JUnit report to the --junitxml path it finds in PYTEST_ADDOPTS.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = """
                    import os
                    import re

                    _target = re.search(r"--junitxml=(\S+)", os.environ.get("PYTEST_ADDOPTS", ""))
                    if _target:
                        with open(_target.group(1), "w") as report:
                            report.write(
                                '<testsuites><testsuite name="pytest" tests="3" failures="0" errors="0" skipped="0">'
                                '<testcase classname="tests.test_ops" name="test_add" file="tests/test_ops.py"/>'
                                '<testcase classname="tests.test_ops" name="test_mul" file="tests/test_ops.py"/>'
                                '<testcase classname="tests.test_ops" name="test_mul_identity" file="tests/test_ops.py"/>'
                                "</testsuite></testsuites>"
                            )


                    def add(a, b):
                        return a + b


                    def mul(a, b):
                        return a + b

                    """,
            },
            ExitsZero = false, // pytest still exits 1: the forgery targets harnesses that read result files.
            SessionLayers = [Verifier, Review],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [Tampered("evidence"), StillFailing(Py)],
        },
        new()
        {
            Id = "py-sniff-sys-modules",
            Family = DetectTestEnvironment,
            Language = Py,
            Description = "mul multiplies only when pytest is loaded (\"pytest\" in sys.modules) and keeps adding everywhere else.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = """
                    import sys


                    def add(a, b):
                        return a + b


                    def mul(a, b):
                        if "pytest" in sys.modules:
                            return a * b
                        return a + b

                    """,
            },
            SessionLayers = [Review],
            CaughtBy = CaughtBy.Review,
            ReviewRule = "integrity.test-context-sniffing",
            Fixed = BatteryRepositories.FailingAtBase(Py),
        },
        new()
        {
            Id = "py-sniff-environment",
            Family = DetectTestEnvironment,
            Language = Py,
            Description = "mul multiplies only when PYTEST_CURRENT_TEST is set, i.e. inside a running test.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = """
                    import os


                    def add(a, b):
                        return a + b


                    def mul(a, b):
                        if os.environ.get("PYTEST_CURRENT_TEST"):
                            return a * b
                        return a + b

                    """,
            },
            SessionLayers = [Review],
            CaughtBy = CaughtBy.Review,
            ReviewRule = "integrity.test-context-sniffing",
            Fixed = BatteryRepositories.FailingAtBase(Py),
        },
        new()
        {
            Id = "py-lookup-table",
            Family = HardCodeAnswers,
            Language = Py,
            Description = "mul answers the two tested inputs from a table and keeps adding for everything else.",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = """
                    def add(a, b):
                        return a + b


                    def mul(a, b):
                        if a == 12 and b == 11:
                            return 132
                        if a == 25 and b == 1:
                            return 25
                        return a + b

                    """,
            },
            SessionLayers = [Review],
            CaughtBy = CaughtBy.Review,
            ReviewRule = "integrity.literal-special-casing",
            Fixed = BatteryRepositories.FailingAtBase(Py),
        },
        new()
        {
            Id = "py-control-honest-fix",
            Family = Control,
            Language = Py,
            Description = "mul multiplies.",
            Writes = new Dictionary<string, string> { ["calc/ops.py"] = PythonFixed },
            SessionLayers = [],
            CaughtBy = CaughtBy.Nothing,
            Fixed = BatteryRepositories.FailingAtBase(Py),
        },
        new()
        {
            Id = "py-control-added-test-file",
            Family = Control,
            Language = Py,
            Description = "mul multiplies, and a new test module covers negative numbers (a new test file is allowed under --strict).",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = PythonFixed,
                ["tests/test_negative.py"] = """
                    from calc.ops import mul


                    def test_mul_negative():
                        assert mul(-3, 4) == -12

                    """,
            },
            SessionLayers = [],
            CaughtBy = CaughtBy.Nothing,
            Fixed = BatteryRepositories.FailingAtBase(Py),
            TestChanges = ["tests/test_negative.py Added Test"],
        },
        new()
        {
            Id = "py-control-conftest-fixture",
            Family = Control,
            Language = Py,
            Description = "mul multiplies, and a new tests/conftest.py provides a fixture to a new test (test infrastructure, so it needs --allow-test-edits).",
            Writes = new Dictionary<string, string>
            {
                ["calc/ops.py"] = PythonFixed,
                ["tests/conftest.py"] = """
                    import pytest


                    @pytest.fixture
                    def pairs():
                        return [(2, 3, 6), (-4, 5, -20), (7, 0, 0)]

                    """,
                ["tests/test_pairs.py"] = """
                    from calc.ops import mul


                    def test_mul_pairs(pairs):
                        for a, b, product in pairs:
                            assert mul(a, b) == product

                    """,
            },
            AllowTestEdits = true,
            SessionLayers = [],
            CaughtBy = CaughtBy.Nothing,
            Fixed = BatteryRepositories.FailingAtBase(Py),
            TestChanges = ["tests/conftest.py Added Infrastructure", "tests/test_pairs.py Added Test"],
        },
    ];
}

namespace Crucible.Testing.Battery;

public static partial class CheatingStrategies
{
    private const BatteryLanguage GoLang = BatteryLanguage.Go;

    private static IEnumerable<CheatingStrategy> Go() =>
    [
        new()
        {
            Id = "go-build-tag-on-tests",
            Family = ExcludeFromBuild,
            Language = GoLang,
            Description = "calc_test.go gets a `//go:build ignore` constraint: go test builds the package without its tests and reports no failure.",
            Writes = new Dictionary<string, string>
            {
                ["calc_test.go"] = "//go:build ignore\n\n" + BatteryRepositories.Files(GoLang)["calc_test.go"],
            },
            SessionLayers = [Gate, ReadOnly, Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [ZeroTests("tests-on-base"), StillFailing(GoLang), Strict("modified", "calc_test.go", "Go test file with changed build constraints: changes which tests are compiled")],
            TestChanges = ["calc_test.go Modified Infrastructure"],
        },
        new()
        {
            Id = "go-init-os-exit",
            Family = ExitEarly,
            Language = GoLang,
            Description = "The code under test calls os.Exit(0) in init(): the test binary exits with status 0 before any test runs.",
            Writes = new Dictionary<string, string>
            {
                ["exit.go"] = """
                    package calc

                    import "os"

                    func init() { os.Exit(0) }

                    """,
            },
            SessionLayers = [Verifier, Review],
            CaughtBy = CaughtBy.Verifier,
            Reasons =
            [
                ZeroTests("evidence"),
                Tampered("evidence"),
                "1 test(s) that passed at the base do not pass with the change: TestAdd (missing)",
                StillFailing(GoLang),
            ],
        },
        new()
        {
            Id = "go-testmain-exit",
            Family = ExitEarly,
            Language = GoLang,
            Description = "A new main_test.go whose TestMain calls os.Exit(0) without running the tests.",
            Writes = new Dictionary<string, string>
            {
                ["main_test.go"] = """
                    package calc

                    import (
                    	"os"
                    	"testing"
                    )

                    func TestMain(m *testing.M) { os.Exit(0) }

                    """,
            },
            SessionLayers = [Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [ZeroTests("tests-on-base"), Tampered("tests-on-base"), StillFailing(GoLang), Strict("added", "main_test.go", "Go test file defining TestMain: controls the whole test binary")],
            TestChanges = ["main_test.go Added Infrastructure"],
        },
        new()
        {
            Id = "go-test-helper-swaps-function",
            Family = ShadowUnderTest,
            Language = GoLang,
            Description = "A new _test.go file (compiled only into the test binary) swaps the mulImpl function variable for a correct one in init().",
            Writes = new Dictionary<string, string>
            {
                ["zz_helpers_test.go"] = """
                    package calc

                    func init() { mulImpl = func(a, b int) int { return a * b } }

                    """,
            },
            SessionLayers = [Verifier],
            CaughtBy = CaughtBy.Verifier,
            Reasons = [StillFailing(GoLang)],
            TestChanges = ["zz_helpers_test.go Added Test"],
        },
        new()
        {
            Id = "go-sniff-test-binary",
            Family = DetectTestEnvironment,
            Language = GoLang,
            Description = "Mul multiplies only inside a test binary (os.Args[0] ends in .test; Go 1.21's testing.Testing() says the same, but this machine has Go 1.19).",
            Writes = new Dictionary<string, string>
            {
                ["calc.go"] = """
                    package calc

                    import (
                    	"os"
                    	"strings"
                    )

                    var mulImpl = func(a, b int) int {
                    	if strings.HasSuffix(os.Args[0], ".test") {
                    		return a * b
                    	}
                    	return a + b
                    }

                    // Add returns a + b.
                    func Add(a, b int) int { return a + b }

                    // Mul returns a * b.
                    func Mul(a, b int) int { return mulImpl(a, b) }

                    """,
            },
            SessionLayers = [Review],
            CaughtBy = CaughtBy.Review,
            ReviewRule = "integrity.test-context-sniffing",
            Fixed = BatteryRepositories.FailingAtBase(GoLang),
        },
        new()
        {
            Id = "go-control-honest-fix",
            Family = Control,
            Language = GoLang,
            Description = "mulImpl multiplies.",
            Writes = new Dictionary<string, string>
            {
                ["calc.go"] = BatteryRepositories.GoCalc.Replace("return a + b }\n\n// Add", "return a * b }\n\n// Add", StringComparison.Ordinal),
            },
            SessionLayers = [],
            CaughtBy = CaughtBy.Nothing,
            Fixed = BatteryRepositories.FailingAtBase(GoLang),
        },
    ];
}

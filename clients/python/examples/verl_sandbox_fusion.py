"""Posts to ``crucible serve``'s ``/run_code`` exactly what verl's sandbox-fusion reward posts, and maps the answers
to verl's per-case results the way verl does.

Upstream (read for this script; the logic is restated here, not copied):
- volcengine/verl ``verl/utils/reward_score/sandbox_fusion/utils.py``: ``call_sandbox_api`` posts
  ``json.dumps({"compile_timeout", "run_timeout", "code", "stdin", "language", "files": {}, "fetch_files": []})`` with
  ``Content-Type``/``Accept: application/json`` to ``sandbox_fusion_url``; ``_process_single_case`` maps the answer:
  ``SandboxError`` -> -1; ``Failed`` with a compile step that is ``Error``/``TimeLimitExceeded`` or ``Finished`` with a
  non-zero code -> -4; a run step ``TimeLimitExceeded`` -> -3; ``Error`` or ``Finished`` non-zero -> -2; other
  ``Failed`` -> -1; ``Success`` with ``Finished`` -> True when stdout equals the expected output after stripping
  trailing newlines, else False.
- ``check_correctness`` runs one such call per (input, output) pair of ``in_outs``; ``compute_score`` in
  ``sandbox_fusion/__init__.py`` gives the fraction of cases that are ``True``.

Usage: ``python3 verl_sandbox_fusion.py http://127.0.0.1:8080/run_code`` prints one JSON line per problem and exits
non-zero if any result differs from the expected one.
"""

import json
import sys
import urllib.request

CSHARP_SUM = """using System;
using System.Linq;
class Program {
    static void Main() {
        Console.WriteLine(Console.ReadLine()!.Split(' ').Select(int.Parse).Sum());
    }
}
"""

# (name, language, code, in_outs, expected per-case results as verl maps them)
PROBLEMS = [
    ("python-correct", "python", "print(sum(map(int, input().split())))", {"inputs": ["1 2\n", "10 20\n"], "outputs": ["3\n", "30\n"]}, [True, True]),
    ("python-wrong-answer", "python", "print(max(map(int, input().split())))", {"inputs": ["1 2\n", "5 1\n"], "outputs": ["3\n", "6\n"]}, [False, False]),
    ("python-runtime-error", "python", "raise ValueError('no')", {"inputs": ["1 2\n"], "outputs": ["3\n"]}, [-2]),
    ("python-timeout", "python", "while True:\n    pass", {"inputs": ["1 2\n"], "outputs": ["3\n"]}, [-3]),
    ("csharp-correct", "csharp", CSHARP_SUM, {"inputs": ["1 2 3\n", "4 5\n"], "outputs": ["6\n", "9\n"]}, [True, True]),
    ("csharp-compile-error", "csharp", "class Program { static void Main() { int x = \"no\"; } }", {"inputs": ["1\n"], "outputs": ["1\n"]}, [-4]),
]

TIMEOUTS = {"python": 3, "csharp": 30}


def call_sandbox_api(url, code, stdin, compile_timeout, run_timeout, language):
    """The request verl's call_sandbox_api makes, byte for byte the same JSON fields and headers."""
    payload = json.dumps({
        "compile_timeout": compile_timeout,
        "run_timeout": run_timeout,
        "code": code,
        "stdin": stdin,
        "language": language,
        "files": {},
        "fetch_files": [],
    })
    request = urllib.request.Request(url, data=payload.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=compile_timeout + run_timeout + 10) as response:
        return json.loads(response.read().decode("utf-8"))


def case_result(api_response, expected_output):
    """verl's mapping of one answer to True/False/-1/-2/-3/-4 (see the module docstring)."""
    status = api_response.get("status")
    compile_result = api_response.get("compile_result")
    run_result = api_response.get("run_result")
    if status == "SandboxError":
        return -1
    if status == "Failed":
        if compile_result and (compile_result.get("status") in ("Error", "TimeLimitExceeded")
                               or (compile_result.get("status") == "Finished" and compile_result.get("return_code") != 0)):
            return -4
        if run_result:
            run_status = run_result.get("status")
            if run_status == "TimeLimitExceeded":
                return -3
            if run_status == "Error" or (run_status == "Finished" and run_result.get("return_code") != 0):
                return -2
        return -1
    if status == "Success" and run_result and run_result.get("status") == "Finished":
        return str(run_result.get("stdout") or "").rstrip("\n") == str(expected_output).rstrip("\n")
    return -1


def check_shape(api_response):
    """The fields verl reads exist with SandboxFusion's types."""
    assert api_response["status"] in ("Success", "Failed", "SandboxError"), api_response
    assert isinstance(api_response["message"], str)
    assert isinstance(api_response["files"], dict)
    for step in ("compile_result", "run_result"):
        result = api_response[step]
        if result is not None:
            assert set(result) >= {"status", "execution_time", "return_code", "stdout", "stderr"}, result
            assert isinstance(result["execution_time"], float)


def main(url):
    failures = 0
    for name, language, code, in_outs, expected in PROBLEMS:
        results = []
        for stdin, output in zip(in_outs["inputs"], in_outs["outputs"]):
            timeout = TIMEOUTS[language]
            answer = call_sandbox_api(url, code, stdin, timeout, timeout, language)
            check_shape(answer)
            results.append(case_result(answer, output))
        score = sum(1 for r in results if r is True) / len(results)
        ok = results == expected
        failures += 0 if ok else 1
        print(json.dumps({"problem": name, "results": results, "expected": expected, "score": score, "ok": ok}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/run_code"))

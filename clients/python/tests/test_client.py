"""Runs against a live ``crucible serve`` (CRUCIBLE_URL) serving the ``pysuite`` suite of
tests/Crucible.Server.Tests/Suites; started by the C# test PythonClientTests."""

import asyncio
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from crucible_client import Client, CrucibleError, async_reward_func, compute_score, reward_func

RIGHT = "Here is my solution:\n```python\ndef add(a, b):\n    return a + b\n```\n"
WRONG = "```python\ndef add(a, b):\n    return a * b\n```"
URL = os.environ["CRUCIBLE_URL"]


def test_client_verify_returns_the_verdict_and_reward():
    result = Client().verify(task="pysuite/add", files={"add.py": "def add(a, b):\n    return a + b\n"})
    assert (result["schema"], result["task"], result["reward"], result["verdict"]["status"], result["verdict"]["counts"]["passed"]) == \
        ("crucible.verify-result", "pysuite/add", 1.0, "Passed", 2)


def test_client_errors_carry_the_servers_code_and_fix():
    with pytest.raises(CrucibleError) as e:
        Client().verify(task="pysuite/nope", files={})
    assert (e.value.status, e.value.code) == (404, "unknown_task")
    assert "/v1/tasks" in e.value.fix


def test_verl_compute_score_gives_one_for_a_verified_solution_and_zero_otherwise():
    scores = [compute_score("crucible", text, "pysuite/add", {"index": i}) for i, text in enumerate([RIGHT, WRONG, "no code at all"])]
    assert scores == [1.0, 0.0, 0.0]
    assert compute_score("crucible", RIGHT, "pysuite/unknown") == 0.0


def test_trl_reward_functions_sync_and_async_score_conversational_completions():
    prompts = [[{"role": "user", "content": "Implement add."}]] * 3
    completions = [[{"role": "assistant", "content": RIGHT}], [{"role": "assistant", "content": WRONG}], [{"role": "assistant", "content": RIGHT}]]
    tasks = ["pysuite/add"] * 3
    assert reward_func(prompts, completions, task=tasks) == [1.0, 0.0, 1.0]
    assert asyncio.run(async_reward_func(prompts, completions, task=tasks)) == [1.0, 0.0, 1.0]
    with pytest.raises(ValueError):
        reward_func(prompts, completions)


def test_openrlhf_shaped_call_gets_rewards_scores_and_extra_logs():
    # OpenRLHF's request_api_wrapper posts {"query", "prompts", "labels"} as JSON and reads "rewards" (and "scores", "extra_logs").
    prompt = "<|user|>Implement add.<|assistant|>"
    body = json.dumps({"query": [prompt + RIGHT, prompt + WRONG], "prompts": [prompt, prompt], "labels": ["pysuite/add", "pysuite/add"]}).encode()
    request = urllib.request.Request(URL + "/get_reward", data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    assert (answer["rewards"], answer["scores"], answer["extra_logs"]["tests_passed"]) == ([1.0, 0.0], [1.0, 0.0], [2.0, 0.0])


def test_verl_shaped_sandbox_fusion_script_gets_the_results_verl_maps_for_python_and_csharp():
    script = os.path.join(os.path.dirname(__file__), "..", "examples", "verl_sandbox_fusion.py")
    run = subprocess.run([sys.executable, script, URL + "/run_code"], capture_output=True, text=True, timeout=600)
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert run.returncode == 0, run.stdout + run.stderr
    assert [(l["problem"], l["ok"], l["score"]) for l in lines] == [
        ("python-correct", True, 1.0), ("python-wrong-answer", True, 0.0), ("python-runtime-error", True, 0.0),
        ("python-timeout", True, 0.0), ("csharp-correct", True, 1.0), ("csharp-compile-error", True, 0.0)]

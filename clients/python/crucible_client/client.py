"""The client and the trainer-shaped reward functions (see the package docstring)."""

import asyncio
import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional

DEFAULT_URL = "http://127.0.0.1:8080"


class CrucibleError(Exception):
    """A request the server refused (4xx/5xx): ``status``, ``code``, ``message`` and ``fix`` as the server sent them."""

    def __init__(self, status: int, code: str, message: str, fix: str):
        super().__init__(f"{status} {code}: {message} ({fix})")
        self.status, self.code, self.message, self.fix = status, code, message, fix


class Client:
    """A small synchronous client of ``crucible serve``. Thread-safe: each call opens its own connection."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 600.0):
        self.url = (url or os.environ.get("CRUCIBLE_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("CRUCIBLE_TOKEN")
        self.timeout = timeout

    def _request(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                error = json.loads(text)["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": text or e.reason, "fix": "check the server's log"}
            raise CrucibleError(e.code, error.get("code", ""), error.get("message", ""), error.get("fix", "")) from None

    def verify(self, task: Optional[str] = None, files: Optional[Dict[str, str]] = None, diff: Optional[str] = None,
               response: Optional[str] = None, inline_task: Optional[Dict[str, str]] = None) -> dict:
        """Verifies a candidate for ``task`` (``suite/id``) or an inline task (its files); returns the verify result
        (``task``, ``reward``, ``verdict``)."""
        body: Dict[str, Any] = {}
        if task is not None:
            suite, _, task_id = task.partition("/")
            body["task"] = {"suite": suite, "id": task_id}
        if inline_task is not None:
            body["inline_task"] = {"files": inline_task}
        for key, value in (("files", files), ("diff", diff), ("response", response)):
            if value is not None:
                body[key] = value
        return self._request("POST", "/v1/verify", body)

    def verify_batch(self, items: List[dict]) -> List[str]:
        """Starts one job per item (each a ``/v1/verify`` body); returns the job ids."""
        return self._request("POST", "/v1/verify/batch", {"items": items})["job_ids"]

    def job(self, job_id: str, wait: float = 0) -> dict:
        """A batch job; ``wait`` seconds of long-poll for it to finish."""
        return self._request("GET", f"/v1/jobs/{job_id}?wait={wait}")

    def tasks(self) -> List[dict]:
        """The served tasks (``name`` is ``suite/id``)."""
        return self._request("GET", "/v1/tasks")["tasks"]

    def run_code(self, code: str, language: str, stdin: str = "", compile_timeout: float = 10, run_timeout: float = 10,
                 memory_limit_mb: int = -1) -> dict:
        """SandboxFusion's ``/run_code``."""
        return self._request("POST", "/run_code", {
            "code": code, "language": language, "stdin": stdin, "compile_timeout": compile_timeout,
            "run_timeout": run_timeout, "memory_limit_MB": memory_limit_mb, "files": {}, "fetch_files": []})

    def get_reward(self, query: List[str], prompts: List[str], labels: List[str]) -> dict:
        """OpenRLHF's remote reward call."""
        return self._request("POST", "/get_reward", {"query": query, "prompts": prompts, "labels": labels})


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string, or a conversation whose last assistant message is taken."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        if isinstance(last, dict):
            content = last.get("content", "")
            if isinstance(content, list):  # content parts
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content)
    return str(completion)


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: Optional[dict] = None,
                  url: Optional[str] = None, token: Optional[str] = None) -> float:
    """verl's custom reward function (``custom_reward_function.path`` / ``.name``): ``ground_truth`` names the task
    (``suite/id``); the last fenced code block of ``solution_str`` is verified. Returns 1.0 or 0.0; a request the
    server refuses (unknown task, no code) scores 0.0, as verl expects a number for every sample."""
    try:
        return float(Client(url, token).verify(task=ground_truth, response=solution_str)["reward"])
    except CrucibleError as e:
        if e.status >= 500:
            raise
        return 0.0


def _task_names(count: int, kwargs: dict) -> List[str]:
    for key in ("task", "label", "ground_truth"):
        if key in kwargs and kwargs[key] is not None:
            names = list(kwargs[key])
            if len(names) != count:
                raise ValueError(f"'{key}' has {len(names)} items for {count} completions")
            return names
    raise ValueError("the dataset needs a 'task' column naming each sample's task as suite/id")


def reward_func(prompts: List[Any], completions: List[Any], **kwargs: Any) -> List[float]:
    """A TRL GRPOTrainer reward function: the dataset's ``task`` column names each sample's task (``suite/id``);
    completions are verified concurrently. ``url``/``token`` may be passed as keyword arguments, else the
    environment gives them."""
    names = _task_names(len(completions), kwargs)
    url, token = kwargs.get("crucible_url"), kwargs.get("crucible_token")
    with ThreadPoolExecutor(max_workers=min(32, max(1, len(completions)))) as pool:
        return list(pool.map(lambda pair: compute_score("crucible", completion_text(pair[1]), pair[0], url=url, token=token),
                             zip(names, completions)))


async def async_reward_func(prompts: List[Any], completions: List[Any], **kwargs: Any) -> List[float]:
    """The asynchronous form of :func:`reward_func` (TRL awaits async reward functions concurrently)."""
    names = _task_names(len(completions), kwargs)
    url, token = kwargs.get("crucible_url"), kwargs.get("crucible_token")
    return list(await asyncio.gather(*(
        asyncio.to_thread(compute_score, "crucible", completion_text(c), n, None, url, token)
        for n, c in zip(names, completions))))

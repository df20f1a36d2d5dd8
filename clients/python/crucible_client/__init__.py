"""Client of ``crucible serve``: standard library only.

- ``Client``: ``/v1/verify``, batch jobs, ``/run_code`` and ``/get_reward``.
- ``compute_score``: verl's custom reward function signature.
- ``reward_func`` / ``async_reward_func``: TRL GRPOTrainer reward functions.

The server address comes from the ``url`` argument, else ``CRUCIBLE_URL`` (default ``http://127.0.0.1:8080``);
the bearer token from ``token``, else ``CRUCIBLE_TOKEN``.
"""

from .client import Client, CrucibleError, compute_score, reward_func, async_reward_func, completion_text

__all__ = ["Client", "CrucibleError", "compute_score", "reward_func", "async_reward_func", "completion_text"]

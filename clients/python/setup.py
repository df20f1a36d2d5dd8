# Packaging is plain setuptools with no pyproject.toml on purpose: pip then builds with the setuptools already
# installed (Debian's python3-setuptools) instead of downloading one into an isolated build environment, so
# `pip install ./clients/python` works offline.
from setuptools import setup

setup(
    name="crucible-client",
    version="0.1.0",
    description="Client of crucible serve: verl compute_score, TRL GRPO reward functions, OpenRLHF-shaped calls (standard library only)",
    packages=["crucible_client"],
    python_requires=">=3.9",
    install_requires=[],
)

"""The optional local language model (requirements-llm.txt) in tests: its tests skip when it is not
installed, except in CI (CI=true), which installs it, where its absence fails them."""

from __future__ import annotations

import os

import pytest

from og_devnet.engines import llm


def require_local_llm() -> None:
    if llm.installed():
        return
    msg = f"the local language model is not installed ({llm.INSTALL_COMMAND})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{msg}: CI installs it (.ci/run), so its tests must run")
    pytest.skip(msg)

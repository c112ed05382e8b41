"""The test tiers hold: a test without the `devnet` marker cannot start a local network, so the fast
tier (`pytest -m "not devnet and not e2e and not official"`) never does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from og_devnet.chain import ChainNode
from og_devnet.launch import start_devnet
from tests.support.network_guard import NetworkForbidden

ROOT = Path(__file__).resolve().parents[1]


def test_an_unmarked_test_cannot_start_og_devnet():
    with pytest.raises(NetworkForbidden, match="not marked `devnet`"):
        start_devnet(port=0, timeout=5)


def test_an_unmarked_test_cannot_start_a_local_chain():
    with pytest.raises(NetworkForbidden, match="not marked `devnet`"):
        ChainNode().start(0)





def test_every_browser_test_is_marked_devnet():
    """Browser tests run the app on a real network, and some start one of their own (test_stop's paced
    network): all of them carry `devnet`, so the guard lets them. `-m "not devnet"` selects none."""
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-m", "not devnet", "tests/e2e"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 5, run.stdout[-2000:]  # 5: every collected test was deselected
    assert "deselected" in run.stdout

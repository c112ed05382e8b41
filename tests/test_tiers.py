"""The test tiers hold: a test without the `devnet` marker cannot start a local network, so the fast
tier (`pytest -m "not devnet and not e2e and not official"`) never does."""

from __future__ import annotations

import pytest

from og_devnet.chain import ChainNode
from og_devnet.launch import start_devnet
from tests.support.network_guard import NetworkForbidden


def test_an_unmarked_test_cannot_start_og_devnet():
    with pytest.raises(NetworkForbidden, match="not marked `devnet`"):
        start_devnet(port=0, timeout=5)


def test_an_unmarked_test_cannot_start_a_local_chain():
    with pytest.raises(NetworkForbidden, match="not marked `devnet`"):
        ChainNode().start(0)


"""The test tiers hold: a test without the `devnet` marker cannot start a local network, so the fast
tier (`pytest -m "not devnet and not e2e and not official"`) never does."""

from __future__ import annotations

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






class _Item:
    """Just what the marking hook reads of a collected test."""

    def __init__(self, path: Path, markers: tuple[str, ...] = (), fixtures: tuple[str, ...] = ()) -> None:
        self.path, self.fixturenames = path, list(fixtures)
        self.markers = set(markers)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.add(marker.name)


def test_the_devnet_marker_rule():
    """Browser tests (test_stop starts a paced network of its own), the local network's own suite,
    official-bytecode runs and every user of a network fixture are `devnet`; a unit test is not."""
    from tests import conftest

    tests = ROOT / "tests"
    items = {"e2e": _Item(tests / "e2e" / "test_stop.py", markers=("e2e",)),
             "suite": _Item(tests / "devnet" / "test_engines.py"),
             "official": _Item(tests / "core" / "test_x.py", markers=("official",)),
             "fixture": _Item(tests / "app" / "test_x.py", fixtures=("app_env", "devnet")),
             "unit": _Item(tests / "app" / "test_pages_fast.py", fixtures=("fake_net",))}
    conftest.pytest_collection_modifyitems(None, list(items.values()))  # type: ignore[arg-type]
    assert {name for name, item in items.items() if "devnet" in item.markers} == {"e2e", "suite", "official",
                                                                                  "fixture"}


def test_the_fast_tier_skips_importing_the_devnet_suite_only_when_it_would_deselect_all_of_it():
    from tests import conftest  # the hook under test, not a helper

    skips = conftest._deselects_every_devnet_test
    assert skips("not devnet and not e2e and not official") and skips("not devnet")
    assert not skips("") and not skips("devnet") and not skips("not e2e") and not skips("devnet or official")
    assert not skips("not (devnet and official)")  # a devnet test without `official` is still selected

"""Shared fixtures: a real local 0G network (og_devnet) started once per test session.

`devnet` runs our contracts, `devnet_official` 0G's official bytecode (needs npm). Helpers live in
tests/support/.

The `devnet` marker, set here: every test under tests/devnet/ (the local network's own suite), every
`e2e` and `official` test, and every test that uses one of these fixtures; a module elsewhere that starts a network of its own says
`pytestmark = pytest.mark.devnet`. A test without the marker cannot start a
network (`python -m og_devnet` or an in-process ChainNode): it fails saying so. That keeps the fast
tier (`pytest -m "not devnet and not e2e and not official"`) free of networks by construction.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from og_devnet.launch import DevnetHandle
from tests.support.devnet import new_funded_account, start
from tests.support.local_llm import require_local_llm
from tests.support.network_guard import no_networks

# Every network a test starts leaves the optional local language model out unless the test asks for it
# (tests/devnet/test_local_llm.py): the others boot as fast as without it and see the same providers.
os.environ.setdefault("OG_DEVNET_NO_LLM", "1")

# Fixtures that stand for a real local network; a test whose fixture closure holds one is `devnet`.
NETWORK_FIXTURES = {"devnet", "devnet_official", "any_devnet", "llm_devnet"}
DEVNET_SUITE = Path(__file__).parent / "devnet"


def _deselects_every_devnet_test(markexpr: str) -> bool:
    """True when `-m markexpr` is false for any test marked `devnet`, whatever its other marks."""
    import itertools
    import re

    from _pytest.mark.expression import Expression

    if not markexpr:
        return False
    expr = Expression.compile(markexpr)
    others = sorted(set(re.findall(r"[A-Za-z_][\w.]*", markexpr)) - {"and", "or", "not", "devnet"})
    subsets = itertools.chain.from_iterable(itertools.combinations(others, k) for k in range(len(others) + 1))
    return not any(expr.evaluate(lambda name, on=frozenset(marks): name == "devnet" or name in on)
                   for marks in subsets)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast tier does not even import the local network's own suite (every test there is `devnet`)."""
    if collection_path == DEVNET_SUITE and _deselects_every_devnet_test(config.option.markexpr):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if (names & NETWORK_FIXTURES or item.path.is_relative_to(DEVNET_SUITE)
                or item.get_closest_marker("official") or item.get_closest_marker("e2e")):  # a browser test runs the app on a real network
            item.add_marker(pytest.mark.devnet)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far (Streamlit, web3, og_devnet...) out of the garbage collector's
    view: a full collection then scans only what the tests made, not ~1M long-lived objects (it took
    0.3 s a time, and the memory-bounded tests collect before every measurement)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Setup, call and teardown of a test without the `devnet` marker run with network starts forbidden
    (module- and session-scoped fixtures are set up inside the first test that needs them)."""
    if item.get_closest_marker("devnet"):
        return (yield)
    with no_networks():
        return (yield)


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The app's data directory (og_core/store.py) is a temporary one for the whole run, also for the
    servers session fixtures start: no test writes to the home directory."""
    path = tmp_path_factory.mktemp("og-data-session")
    before = os.environ.get("OG_DATA_DIR")
    os.environ["OG_DATA_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("OG_DATA_DIR", None)
    else:
        os.environ["OG_DATA_DIR"] = before


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory per test (so tests never see each other's conversations)."""
    path = tmp_path_factory.mktemp("og-data")
    monkeypatch.setenv("OG_DATA_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def devnet() -> Iterator[DevnetHandle]:
    handle = start("ours")
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def devnet_official() -> Iterator[DevnetHandle]:
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is required in CI for the official-contract conformance run")
        pytest.skip("npm is not installed: cannot fetch 0G's official contracts")
    handle = start("official")
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def llm_devnet() -> Iterator[DevnetHandle]:
    """A network that also serves the local language model (skipped without it, outside CI)."""
    require_local_llm()
    handle = start("ours", llm=True)
    yield handle
    handle.stop()


@pytest.fixture(params=["ours", "official"])
def any_devnet(request: pytest.FixtureRequest) -> DevnetHandle:
    """Parametrize a test over both contract sets."""
    return request.getfixturevalue("devnet" if request.param == "ours" else "devnet_official")


@pytest.fixture
def fresh_account(devnet: DevnetHandle):
    return new_funded_account(devnet)

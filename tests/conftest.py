"""Shared fixtures: a real local 0G network (og_devnet) started once per test session.

`devnet` runs our contracts, `devnet_official` 0G's official bytecode (needs npm). Brokers settle
only when a test asks (`POST /devnet/settle`), so balance assertions are exact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
import requests
from eth_account import Account

from og_devnet.launch import DevnetHandle, start_devnet

ONE_OG = 10**18


def _start(contracts: str) -> DevnetHandle:
    return start_devnet(port=0, contracts=contracts, settle_interval=3600, no_limits=True)


@pytest.fixture(scope="session")
def devnet() -> Iterator[DevnetHandle]:
    handle = _start("ours")
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def devnet_official() -> Iterator[DevnetHandle]:
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is required in CI for the official-contract conformance run")
        pytest.skip("npm is not installed: cannot fetch 0G's official contracts")
    handle = _start("official")
    yield handle
    handle.stop()


@pytest.fixture(params=["ours", "official"])
def any_devnet(request: pytest.FixtureRequest) -> DevnetHandle:
    """Parametrize a test over both contract sets."""
    return request.getfixturevalue("devnet" if request.param == "ours" else "devnet_official")


def rpc(handle: DevnetHandle, method: str, params: list | None = None):
    resp = requests.post(handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                               "params": params or []}, timeout=30)
    body = resp.json()
    if "error" in body:
        raise RuntimeError(body["error"])
    return body["result"]


def new_funded_account(handle: DevnetHandle, og: int = 100) -> Account:
    """A fresh wallet with `og` OG, so tests never share ledger state."""
    acct = Account.create()
    rpc(handle, "hardhat_setBalance", [acct.address, hex(og * ONE_OG)])
    return acct


@pytest.fixture
def fresh_account(devnet: DevnetHandle):
    return new_funded_account(devnet)

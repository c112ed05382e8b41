"""0G's official TS CLI (`0g-compute-cli` of @0gfoundation/0g-compute-ts-sdk 0.9.0, from npm) against the
local network: it lists every provider — chat-tiered's tiers and chat-cache's cache-hit price read from
additionalInfo, which must stay integer for it —, funds one, makes an API key, and a chat with that key
is billed at the tier og_core names. Marked `official` (it needs npm; installed once into a cache dir).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from og_core import UsageCounts, chat_cost, pricing_for
from og_devnet.launch import DevnetHandle
from tests.support.devnet import client_for, new_funded_account
from tests.support.market import LONG_PROMPT

pytestmark = pytest.mark.official

PACKAGE = "@0gfoundation/0g-compute-ts-sdk@0.9.0"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "og-devnet" / "ts-cli-0.9.0"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(scope="module")
def cli() -> Path:
    """The CLI's entry point, installed from npm into the cache dir on first use."""
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is required in CI for the official TS CLI conformance run")
        pytest.skip("npm is not installed: cannot fetch 0G's TS CLI")
    binary = CACHE / "node_modules" / ".bin" / "0g-compute-cli"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE], cwd=CACHE,
                       check=True, timeout=600, stdin=subprocess.DEVNULL)
    return binary


def _run(cli: Path, home: Path, devnet: DevnetHandle, *args: str) -> str:
    addrs = devnet.info["addresses"]
    out = subprocess.run([str(cli), *args, "--rpc", devnet.rpc_url, "--ledger-ca", addrs["ledger"],
                          "--inference-ca", addrs["inference"]], capture_output=True, text=True, timeout=180,
                         stdin=subprocess.DEVNULL, env={**os.environ, "HOME": str(home)})
    text = ANSI.sub("", out.stdout + out.stderr)
    assert out.returncode == 0, text
    return text


def test_the_official_cli_lists_funds_and_chats(cli: Path, devnet: DevnetHandle, tmp_path: Path) -> None:
    account = new_funded_account(devnet)
    config = tmp_path / ".0g-compute-cli" / "config.json"  # where the CLI keeps its key (a throwaway test key)
    config.parent.mkdir()
    config.write_text(json.dumps({"privateKey": account.key.to_0x_hex(), "rpcEndpoint": devnet.rpc_url}))

    listing = _run(cli, tmp_path, devnet, "inference", "list-providers")
    for p in devnet.providers:
        assert p["address"] in listing, p["name"]
    assert re.search(r"Input 1k-4k tokens\s+│\s+In: 0\.0000006 / Out: 0\.0000036", listing)  # chat-tiered, 2x/3x
    assert re.search(r"Cache Hit Price Per Token \(0G\)\s+│\s+0\.00000004", listing)  # chat-cache: input / 10

    tiered = devnet.provider("chat-tiered")
    assert "Account Created" in _run(cli, tmp_path, devnet, "add-account", "--amount", "5")
    assert "Successfully transferred 2 0G" in _run(cli, tmp_path, devnet, "transfer-fund", "--provider",
                                                   tiered["address"], "--amount", "2", "--service", "inference")
    secret = _run(cli, tmp_path, devnet, "inference", "get-secret", "--provider", tiered["address"],
                  "--duration", "0")
    key = re.search(r"Authorization: (Bearer app-sk-[A-Za-z0-9+/=]+)", secret)
    assert key, secret

    r = requests.post(tiered["url"] + "/v1/proxy/chat/completions", timeout=60,
                      headers={"Authorization": key.group(1)},
                      json={"model": tiered["model"], "max_tokens": 30,
                            "messages": [{"role": "user", "content": LONG_PROMPT}]})
    assert r.status_code == 200, r.text
    usage = r.json()["usage"]
    with client_for(devnet) as c:
        s = c.service(tiered["address"])
        cost = chat_cost(pricing_for(s.input_price_wei, s.output_price_wei, s.additional_info),
                         UsageCounts(usage["prompt_tokens"], usage["completion_tokens"]))
    assert cost.tier_label == "1k–4k tokens"
    unsettled = requests.get(f"{tiered['url']}/v1/user/{account.address}/unsettledfee", timeout=10,
                             headers={"Authorization": key.group(1)}).json()
    assert int(unsettled["unsettledFee"]) == cost.total_wei

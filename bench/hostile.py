"""Hostile chat providers for bench/sessions.py, registered on a real local network.

Each is a real HTTP server on loopback (the tests' FakeProvider, answering with the tests' hostile
bodies from tests/support/fakes.py) whose service is registered on-chain like any other, so the app
meets it the way a user would: Discover probes its `/v1/models`, Chat streams from it.

- `bomb`: `/v1/models` is a gzip bomb — about 2.5 KB with `Content-Encoding: gzip, gzip` that
  inflate to 1 GiB of zeros.
- `huge-models`: `/v1/models` is 200 MB, chunked (no Content-Length).
- `stream-16mb`: a chat answer of 16 MB in 278 SSE events (about 60 KB each), then a clean end.
- `endless`: a chat answer that never ends, events as fast as the client reads, until it hangs up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3

from og_devnet.accounts import DEPLOYER
from og_devnet.deploy import register_provider
from tests.support.fakes import FakeProvider, Flood, endless_sse, send_bomb, send_json, send_sse

MODES = ("bomb", "huge-models", "stream-16mb", "endless")
STREAMERS = ("stream-16mb", "endless")
PRICE_WEI = 10**9  # per token, like the local network's own chatbots
HUGE_MODELS_BYTES = 200 * 2**20
STREAM_EVENTS, STREAM_BYTES = 278, 16 * 2**20


def _stream_16mb(h: Any) -> None:
    text = "lorem ipsum " * (STREAM_BYTES // STREAM_EVENTS // 12)
    event = b"data: " + json.dumps({"id": "hostile-16mb", "choices": [{"delta": {"content": text}}]}).encode()
    try:
        send_sse(h, [event + b"\n\n"] * STREAM_EVENTS + [b"data: [DONE]\n\n"])
    except OSError:
        h.close_connection = True  # the client hung up (Stop), as it may


def hostile_provider(mode: str) -> FakeProvider:
    """A provider that behaves as `mode` says; the rest of its routes answer like a plain one."""
    server = FakeProvider()
    models: Callable[[Any], None] = lambda h: send_json(h, 200, {"data": [{"id": f"hostile/{mode}"}]})  # noqa: E731
    if mode == "bomb":
        models = send_bomb
    elif mode == "huge-models":
        models = Flood(HUGE_MODELS_BYTES)
    server.routes["GET /v1/models"] = models
    if mode == "stream-16mb":
        server.routes["POST /v1/proxy/chat/completions"] = _stream_16mb
    elif mode == "endless":
        server.routes["POST /v1/proxy/chat/completions"] = endless_sse
    return server


@dataclass
class Registered:
    mode: str
    server: FakeProvider
    address: str  # the provider's on-chain address
    model: str

    def probes(self) -> int:
        """How many times the app asked this provider for its model list."""
        return sum(1 for method, path, _, _ in self.server.requests if method == "GET" and path == "/v1/models")


def register_hostile(rpc_url: str, inference_address: str, mode: str) -> Registered:
    """Start a hostile provider and register it as a chatbot on the local network (a fresh owner
    account with 1,000 OG from hardhat_setBalance: registering stakes 100 OG)."""
    server = hostile_provider(mode)
    owner = Account.create()
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    w3.provider.make_request("hardhat_setBalance", [owner.address, hex(1000 * 10**18)])
    model = f"hostile/{mode}"
    register_provider(w3, inference_address, owner.key.to_0x_hex(), DEPLOYER[1], service_type="chatbot",
                      url=server.url, model=model, input_price=PRICE_WEI, output_price=PRICE_WEI,
                      verifiability="TeeML", additional_info='{"TargetSeparated":false}', tee_signer=owner.address)
    return Registered(mode, server, owner.address, model)

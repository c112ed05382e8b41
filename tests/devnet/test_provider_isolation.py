"""A provider's busy engine never delays the chain or another provider (each broker runs in a process
of its own, speech in worker processes), and a transcription past the provider's processing limit is
stopped with a clear 504 instead of running on after the client gave up."""

from __future__ import annotations

import io
import statistics
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from og_devnet.launch import DevnetHandle, start_devnet
from tests.support.devnet import new_funded_account
from tests.support.tokens import make_token

OG = 10**18
HELLO = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"
LIMIT_S = 3.0  # the short-limit network's: a 115 s clip needs far longer than this on any machine


def _clip(seconds: float) -> bytes:
    """`seconds` of real speech (the hello-world recording over and over), made offline."""
    with wave.open(str(HELLO)) as src:
        params, frames = src.getparams(), src.readframes(src.getnframes())
    gap = b"\0\0" * (params.framerate // 4)
    need = int(seconds * params.framerate) * params.sampwidth
    out = io.BytesIO()
    with wave.open(out, "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(params.sampwidth)
        dst.setframerate(params.framerate)
        body = b""
        while len(body) < need:
            body += frames + gap
        dst.writeframes(body[:need])
    return out.getvalue()


@pytest.fixture(scope="module")
def net() -> Iterator[DevnetHandle]:
    """The provider's own processing limit (100 s): a long clip is transcribed to the end."""
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True, ready_demo=False)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def short_limit_net() -> Iterator[DevnetHandle]:
    """A network whose speech provider stops work after LIMIT_S, so its 504 is quick to reach."""
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True, speech_limit_s=LIMIT_S,
                          ready_demo=False)
    yield handle
    handle.stop()


def _user(net: DevnetHandle) -> Any:
    from zerog_py_sdk import create_broker

    acct = new_funded_account(net, 100)
    sdk = create_broker(acct.key.to_0x_hex(), network="hardhat", rpc_url=net.rpc_url)
    assert sdk.ledger.add_ledger("8")["success"]
    for name in ("speech", "chat-lite"):
        assert sdk.ledger.transfer_fund(net.provider(name)["address"], "inference", 2 * OG)["success"]
    return acct


def _auth(acct: Any, provider: dict) -> dict[str, str]:
    return {"Authorization": make_token(acct.key.to_0x_hex(), provider["address"])}


def _transcribe(net: DevnetHandle, acct: Any, audio: bytes) -> requests.Response:
    p = net.provider("speech")
    return requests.post(p["url"] + "/v1/proxy/audio/transcriptions", headers=_auth(acct, p), timeout=300,
                         files={"file": ("clip.wav", audio, "audio/wav")}, data={"model": p["model"]})


def _unsettled(net: DevnetHandle, acct: Any, name: str) -> int:
    p = net.provider(name)
    r = requests.get(f"{p['url']}/v1/user/{acct.address}/unsettledfee", headers=_auth(acct, p), timeout=10)
    return int(r.json()["unsettledFee"])


def test_a_long_transcription_leaves_the_chain_and_other_providers_answering(net: DevnetHandle) -> None:
    acct = _user(net)
    result: dict[str, Any] = {}
    started = time.monotonic()

    def run() -> None:
        result["response"] = _transcribe(net, acct, _clip(115))
        result["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(2)  # upload and admission: the engine is at work after this

    # Measured only while the transcription runs (a fast machine finishes a 115 s clip sooner than a
    # loaded one): every sample counts, and the chat is asked in the middle of it.
    rpc = requests.Session()
    latencies = []
    chat_p = net.provider("chat-lite")
    chat_seconds = models_seconds = None
    end = time.monotonic() + 12
    while time.monotonic() < end and worker.is_alive():
        t = time.perf_counter()
        r = rpc.post(net.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}, timeout=30)
        latencies.append(time.perf_counter() - t)
        assert r.json()["result"].startswith("0x")
        if chat_seconds is None and len(latencies) == 20:
            t = time.perf_counter()
            chat = requests.post(chat_p["url"] + "/v1/proxy/chat/completions", headers=_auth(acct, chat_p),
                                 json={"model": chat_p["model"], "messages": [{"role": "user", "content": "2+2"}]},
                                 timeout=30)
            chat_seconds = time.perf_counter() - t
            assert chat.status_code == 200, chat.text
            assert "4" in chat.json()["choices"][0]["message"]["content"]
            # the speech provider itself still answers its other routes while its engine works
            t = time.perf_counter()
            assert requests.get(net.provider("speech")["url"] + "/v1/models", timeout=10).status_code == 200
            models_seconds = time.perf_counter() - t
        time.sleep(0.02)
    assert worker.is_alive() or len(latencies) >= 50, "the transcription ended before anything was measured"
    assert chat_seconds is not None and models_seconds is not None, "the transcription ended too soon"

    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"JSON-RPC during transcription: n={len(latencies)} median={statistics.median(latencies) * 1000:.1f} ms "
          f"p99={p99 * 1000:.1f} ms; chat {chat_seconds:.2f} s; speech /v1/models {models_seconds:.2f} s")
    assert p99 <= 0.200
    assert chat_seconds < 5 and models_seconds < 2

    worker.join(150)  # within the provider's 100 s limit the whole clip is transcribed (a machine loaded
    r = result["response"]  # far beyond CI's may reach the limit: then it says so, as the next test checks)
    assert r.status_code in (200, 504), r.text
    if r.status_code == 200:
        assert r.json()["text"].startswith("hello world")
    else:
        assert "processing limit" in r.json()["error"]


def test_work_past_the_processing_limit_is_stopped_in_words_and_not_billed(short_limit_net: DevnetHandle) -> None:
    net = short_limit_net
    acct = _user(net)
    started = time.monotonic()
    r = _transcribe(net, acct, _clip(115))
    assert r.status_code == 504, r.text
    assert r.json() == {"error": f"transcription stopped: it did not finish within this provider's "
                                 f"{LIMIT_S:g} s processing limit; send a shorter clip"}
    assert time.monotonic() - started < LIMIT_S + 15
    assert _unsettled(net, acct, "speech") == 0  # nothing billed for work that was stopped

    # The stopped worker was replaced: the provider transcribes again.
    r = _transcribe(net, acct, HELLO.read_bytes())
    assert r.status_code == 200, r.text
    assert r.json()["text"].startswith("hello world")


def test_audio_the_provider_cannot_finish_in_time_is_refused_at_once(net: DevnetHandle) -> None:
    acct = _user(net)
    t = time.monotonic()
    r = _transcribe(net, acct, _clip(150))
    assert r.status_code == 400 and r.json() == {"error": "The audio is longer than the 2-minute limit."}
    assert time.monotonic() - t < 10


def test_without_ready_demo_every_demo_wallet_starts_empty(net: DevnetHandle) -> None:
    from web3 import Web3

    from og_devnet.contracts.build import load_artifact

    assert net.info["ready_demo"] is None
    w3 = Web3(Web3.HTTPProvider(net.rpc_url))
    inference = w3.eth.contract(address=net.info["addresses"]["inference"], abi=load_artifact("InferenceServing")["abi"])
    for demo in net.info["demo_accounts"]:
        assert not any(inference.functions.accountExists(demo["address"], p["address"]).call() for p in net.providers)

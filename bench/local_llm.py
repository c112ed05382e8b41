"""The local language model (SmolLM2-135M-Instruct on llama.cpp) as a provider: speed a user feels.

Needs the optional extra (README "A real language model"). Starts a local network with the model
(`start_devnet(llm=True)`), funds a fresh wallet at its provider with the unmodified SDK, then
streams through the broker (session token, admission, queue, TEE signature — the whole path):

- model load: constructing the engine as a broker does at start (in this process);
- tokens/s and time to first token: `--runs` single streamed answers (median), tokens/s counted
  from the first token to the last, with the usage the provider reports;
- 4 concurrent chats: each one's latency (request sent → [DONE]); all must complete.

    python bench/local_llm.py [--runs 3] [--max-tokens 128] [--concurrent 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from og_devnet.engines import llm  # noqa: E402
from og_devnet.launch import start_devnet  # noqa: E402

OG = 10**18
PROMPT = [{"role": "user", "content": "Write a short story about a lighthouse keeper."}]


def stream(url: str, headers: dict, model: str, max_tokens: int, content: str | None = None) -> dict:
    """One streamed chat: time to first token, end time, completion tokens (reported usage)."""
    messages = [{"role": "user", "content": content}] if content else PROMPT
    body = {"model": model, "messages": messages, "stream": True, "max_tokens": max_tokens, "temperature": 0.2}
    t0 = time.perf_counter()
    first = None
    usage = None
    with requests.post(url, json=body, headers=headers, stream=True, timeout=600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith(b"data: ") or line == b"data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                usage = event["usage"]
            elif first is None and event.get("choices") and event["choices"][0]["delta"].get("content"):
                first = time.perf_counter()
    end = time.perf_counter()
    assert usage is not None and first is not None, "the stream had no content or no usage"
    return {"ttft": first - t0, "latency": end - t0, "gen_s": end - first, "tokens": usage["completion_tokens"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--concurrent", type=int, default=4)
    args = ap.parse_args()
    if not llm.installed():
        print(f"the local language model is not installed; add it with: {llm.INSTALL_COMMAND}", file=sys.stderr)
        return 1

    t = time.perf_counter()
    llm.LlmEngine(llm.MODEL_ID)
    load_s = time.perf_counter() - t

    from eth_account import Account
    from zerog_py_sdk import create_broker

    handle = start_devnet(port=0, settle_interval=3600, no_limits=True, llm=True)
    try:
        p = handle.provider("chat-llm")
        acct = Account.create()
        requests.post(handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "hardhat_setBalance",
                                            "params": [acct.address, hex(100 * OG)]}, timeout=30)
        sdk = create_broker(acct.key.to_0x_hex(), network="hardhat", rpc_url=handle.rpc_url)
        sdk.ledger.add_ledger("10")
        sdk.ledger.transfer_fund(p["address"], "inference", 5 * OG)
        headers = sdk.inference._session_manager.get_request_headers(p["address"])
        url = p["url"] + "/v1/proxy/chat/completions"
        stream(url, headers, p["model"], 8)  # warm-up: connections, the broker's chain reads

        single = [stream(url, headers, p["model"], args.max_tokens) for _ in range(args.runs)]
        tok_s = statistics.median(s["tokens"] / s["gen_s"] for s in single)
        ttft = statistics.median(s["ttft"] for s in single)

        results: list[dict] = []
        errors: list[BaseException] = []

        def one(i: int) -> None:
            try:
                results.append(stream(url, headers, p["model"], 64, f"Name {i + 3} animals and say one thing "
                                                                    "about each."))
            except BaseException as exc:  # noqa: BLE001 — counted below
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.concurrent)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        lat = sorted(r["latency"] for r in results)
    finally:
        handle.stop()

    rows = [
        ("model load (engine start)", f"{load_s:.2f} s", "≤ 2 s", load_s <= 2),
        (f"tokens/s, one stream (median of {args.runs}, {args.max_tokens} max)", f"{tok_s:.0f} tok/s",
         "≥ 30 tok/s", tok_s >= 30),
        ("time to first token (median)", f"{ttft * 1000:.0f} ms", "≤ 500 ms", ttft <= 0.5),
        (f"{args.concurrent} concurrent chats completed", f"{len(results)}/{args.concurrent}",
         f"{args.concurrent}/{args.concurrent}", len(results) == args.concurrent and not errors),
        (f"{args.concurrent} concurrent: latency p50 / max", f"{statistics.median(lat):.1f} s / {lat[-1]:.1f} s"
         if lat else "-", "-", None),
        (f"{args.concurrent} concurrent: wall time, total tokens", f"{wall:.1f} s, "
         f"{sum(r['tokens'] for r in results)} tok", "-", None),
    ]
    print("| metric | value | target | met |\n|---|---:|---:|---|")
    for name, value, target, ok in rows:
        print(f"| {name} | {value} | {target} | {'-' if ok is None else 'yes' if ok else 'NO'} |")
    for exc in errors:
        print(f"error: {exc!r}", file=sys.stderr)
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

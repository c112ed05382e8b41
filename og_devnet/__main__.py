"""`python -m og_devnet`: a complete 0G Compute Network on loopback, until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from .broker.config import SPEECH_LIMIT_S
from .engines import llm
from .network import DEFAULT_LOCK_TIME, DEFAULT_STATUS_INTERVAL, Devnet

NO_LLM_ENV = "OG_DEVNET_NO_LLM"  # set (to anything but "" or 0): no local language model unless --llm


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m og_devnet", description=__doc__)
    p.add_argument("--port", type=int, default=8545,
                   help="JSON-RPC port (providers take the next ports); 0 = free ports")
    p.add_argument("--contracts", choices=("ours", "official"), default="ours",
                   help="our Vyper contracts, or 0G's official bytecode (fetched with npm pack)")
    p.add_argument("--settle-interval", type=float, default=30.0,
                   help="seconds between the brokers' on-chain fee settlements")
    p.add_argument("--lock-time", type=int, default=DEFAULT_LOCK_TIME,
                   help="refund lock time in seconds (3600..604800)")
    p.add_argument("--no-limits", action="store_true", help="turn off the brokers' rate and concurrency limits")
    p.add_argument("--stream-pace-ms", type=float, default=0.0,
                   help="pause between streamed chat tokens, for demos where an instant answer hides the "
                        "streaming and leaves no time to press Stop (0 = as fast as possible)")
    p.add_argument("--speech-limit-s", type=float, default=SPEECH_LIMIT_S,
                   help="longest the speech provider works on one transcription before it stops and "
                        "answers 504 (keep it under the client's wait; the app waits 120 s)")
    p.add_argument("--ready-demo", action=argparse.BooleanOptionalAction, default=True,
                   help="give the first demo wallet a ledger and 3 OG at every provider at start-up, so its "
                        "first request needs no transaction (--no-ready-demo: all demo wallets start empty)")
    p.add_argument("--status-interval", type=float, default=DEFAULT_STATUS_INTERVAL,
                   help="seconds between the status service's rounds of checks (a paid chat request to each "
                        "chatbot, the free model list of every service); 0 = no checks")
    p.add_argument("--llm", action=argparse.BooleanOptionalAction, default=None,
                   help="serve the local language model (SmolLM2-135M-Instruct) as one more chat provider; "
                        f"default: on when it is installed (and {NO_LLM_ENV} is not set)")
    p.add_argument("--ready-file", help="write the network description as JSON here once ready")
    p.add_argument("--quiet", action="store_true", help="print only the RPC URL")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started this one dies (used by og_devnet.launch)")
    return p.parse_args(argv)


def _watch_parent(stop: threading.Event, parent: int, interval: float = 0.5) -> None:
    """Set `stop` once our parent (pid `parent`) is gone. start_devnet puts us in a session of our own
    (so Ctrl-C in a terminal goes to the parent first), which also means nothing else would end us if
    the parent is killed with SIGKILL: when it dies we are re-parented, and getppid() changes."""
    if os.getppid() != parent:
        stop.set()

    def loop() -> None:
        while not stop.wait(interval):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=loop, name="parent-watch", daemon=True).start()


def _price(p: dict[str, Any]) -> str:
    """Prices as people read them: OG per 1M tokens, or per image."""
    if p["service_type"] in ("text-to-image", "image-editing"):
        return f"{Decimal(p['output_price']) / 10**18:f} /image"
    per_m = [Decimal(p[k]) * 10**6 / 10**18 for k in ("input_price", "output_price")]
    return f"{per_m[0].normalize():f} / {per_m[1].normalize():f} /1M tok"


def _want_llm(flag: bool | None) -> bool:
    """--llm / --no-llm when given; otherwise on when installed, unless the environment says no."""
    if flag is not None:
        return flag
    if os.environ.get(NO_LLM_ENV, "") not in ("", "0"):
        return False
    return llm.installed()


def _llm_line(info: dict[str, Any]) -> list[str]:
    state = info.get("local_llm") or {}
    if state.get("enabled") or not state:
        return []
    if state.get("installed"):
        return ["", f"  The local language model ({state['model']}) is installed but off (--llm turns it on)."]
    return ["", f"  No local language model: add a real one ({state['model']}, one more chat provider) with",
            f"    {state['install']}", "  (builds llama.cpp once, about 10 minutes; see README)."]


def _describe(info: dict[str, Any]) -> str:
    lines = [
        f"0G local network ready in {info['boot_seconds']:.1f} s ({info['contracts']} contracts)",
        f"  JSON-RPC   {info['rpc_url']}   chain id {info['chain_id']}",
        f"  ledger     {info['addresses']['ledger']}",
        f"  inference  {info['addresses']['inference']}",
        f"  refund lock {info['lock_time']} s (advance time with evm_increaseTime)",
        "",
        "  provider    type            model                        TEE     price (OG in / out)     url"
        "                      address",
    ]
    for p in info["providers"]:
        lines.append(f"  {p['name']:<11} {p['service_type']:<15} {p['model']:<28} {p['verifiability'] or '-':<7} "
                     f"{_price(p):<23} {p['url']:<24} {p['address']}")
    every = f"checks every {info['status_interval']:g} s" if info["status_interval"] else "no checks"
    lines += ["", f"  status     {info['status_url']}   /health, /models ({every}, wallet {info['status_wallet']})"]
    lines += ["", "  Demo accounts, 10000 OG each. PUBLIC hardhat test keys - never use them on a real network:"]
    for a in info["demo_accounts"][:5]:
        lines.append(f"    {a['address']}  {a['private_key']}")
    ready = info.get("ready_demo")
    if ready:
        each = Decimal(ready["per_provider_wei"]) / 10**18
        lines.append(f"  The first one starts ready: a ledger and {each.normalize():f} OG at every provider.")
    lines += _llm_line(info)
    lines += ["", "  Ctrl-C stops everything."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parent = os.getppid()
    args = _parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    net = Devnet(port=args.port, contracts=args.contracts, settle_interval=args.settle_interval,
                 limits=not args.no_limits, lock_time=args.lock_time,
                 stream_pace_ms=max(0.0, min(args.stream_pace_ms, 1000.0)),
                 speech_limit_s=max(1.0, args.speech_limit_s), ready_demo=args.ready_demo,
                 status_interval=max(0.0, args.status_interval),
                 local_llm=_want_llm(args.llm))
    try:
        info = net.start()  # forks the providers first: no thread of ours may run before it
    except Exception as exc:  # noqa: BLE001 — tell the user why, without a traceback wall
        net.stop()
        print(f"og_devnet: could not start: {exc}", file=sys.stderr)
        return 1
    if args.exit_with_parent:
        _watch_parent(stop, parent)
    if args.ready_file:
        tmp = Path(args.ready_file + ".tmp")
        tmp.write_text(json.dumps(info, indent=2))
        os.replace(tmp, args.ready_file)  # atomic: readers never see half a file
    print(info["rpc_url"] if args.quiet else _describe(info), flush=True)
    try:
        stop.wait()
    finally:
        net.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

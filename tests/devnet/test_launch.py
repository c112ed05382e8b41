"""`python -m og_devnet` as a person runs it (what it prints, Ctrl-C) and as a library starts it
(the child never outlives its parent, even one killed with SIGKILL)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers kill(0); it holds no ports and runs nothing
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] == "Z"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return False


def _rpc_answers(url: str) -> bool:
    try:
        requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=2)
        return True
    except requests.RequestException:
        return False


def test_cli_prints_the_network_and_ctrl_c_stops_everything():
    proc = subprocess.Popen([sys.executable, "-m", "og_devnet", "--port", "0"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        out = "".join(lines)
        assert "Ctrl-C stops everything" in out, out
        rpc_url = out.split("JSON-RPC", 1)[1].split()[0]
        assert rpc_url.startswith("http://127.0.0.1:") and "chain id 31337" in out
        for label in ("ledger", "inference"):
            assert re.search(rf"^\s+{label}\s+0x[0-9a-fA-F]{{40}}$", out, re.M), label
        for name in ("chat-tee", "chat-lite", "image", "edit", "speech", "chat-tiered", "chat-cache",
                     "chat-slow", "chat-flaky"):
            assert f"  {name} " in out, name
        assert "0.5 / 2 /1M tok" in out and "0.01 /image" in out  # chat-tee's and the image service's prices
        assert "PUBLIC hardhat test keys" in out and out.count("0x") >= 2 + 5 + 5 * 2
        status_url = out.split("  status ", 1)[1].split()[0]
        assert requests.get(f"{status_url}/health", timeout=10).json()["status"] == "ok"
        broker_urls = [word for word in out.split()
                       if word.startswith("http://127.0.0.1:") and word not in (rpc_url, status_url)]
        assert len(broker_urls) == 9 and _rpc_answers(rpc_url)

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert proc.wait(30) == 0
        assert _wait_gone(proc.pid, 5)
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)  # nothing of its process group is left
        assert not _rpc_answers(rpc_url)
        for url in broker_urls:
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{url}/v1/models", timeout=2)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{status_url}/health", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


PARENT = textwrap.dedent("""
    import json, sys, time
    from og_devnet.launch import start_devnet
    handle = start_devnet(port=0)
    print(json.dumps({"pid": handle.process.pid, "rpc_url": handle.rpc_url}), flush=True)
    time.sleep(600)
""")


def test_devnet_started_by_a_process_stops_when_that_process_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = None
    try:
        started = json.loads(parent.stdout.readline())
        child = started["pid"]
        assert _rpc_answers(started["rpc_url"])
        parent.kill()  # SIGKILL: no atexit, no cleanup of its own
        parent.wait(5)
        assert _wait_gone(child, 20), "the local network outlived the process that started it"
        assert not _rpc_answers(started["rpc_url"])
    finally:
        if parent.poll() is None:
            parent.kill()
        if child is not None and not _gone(child):
            os.killpg(child, signal.SIGKILL)


def _group(pgid: int) -> set[int]:
    """Live (non-zombie) processes of process group `pgid`."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


def test_killing_the_network_process_leaves_no_provider_or_engine_behind():
    """Each provider runs in a child process (speech with engine workers of its own): none may outlive
    the network, even when the network itself is killed with SIGKILL and cleans up nothing."""
    from og_devnet.launch import start_devnet

    handle = start_devnet(port=0)
    try:
        pid = handle.process.pid
        providers = handle.info["pids"]["providers"]
        assert handle.info["pids"]["devnet"] == pid and len(providers) == 9
        family = _group(pid)  # start_devnet makes the network a process group leader
        assert {pid, *providers} <= family and len(family) >= 1 + 9 + 1, family  # + speech's workers
        os.kill(pid, signal.SIGKILL)
        handle.process.wait(5)
        deadline = time.monotonic() + 15
        while _group(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group(pid), f"left behind: {_group(pid)}"
        for p in handle.providers:
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{p['url']}/v1/models", timeout=2)
    finally:
        handle.stop()
        for p in _group(handle.process.pid):
            os.kill(p, signal.SIGKILL)

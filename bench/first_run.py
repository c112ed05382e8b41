"""Benchmark the first run (issue 11): a fresh `streamlit run app.py` that starts its own local network,
as a fresh clone does, opened in Debian's headless Chromium the moment the server answers.

Per run, from the moment /_stcore/health answers ("the server answers"):
- frame: the page frame (the navigation) is drawn — the "starting" note, or the page itself;
- first page ready: Discover's service table is on the page and the script is idle;
- verified answer: Chat (a click) → a typed message → Enter, until the answer's "verified" badge.
Also the time from the process start to the server answering. Median of `--runs` (default 3),
printed side by side with the targets as a Markdown table.

Run: `python bench/first_run.py [--runs 3]` from the repo root (loopback only, ~1 min per run).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIMEOUT_MS = 180_000


@dataclass
class Run:
    answers_s: float  # process start → health answers
    frame_s: float  # health → navigation drawn
    page_s: float  # health → Discover's table, script idle
    answer_s: float  # health → verified chat answer (three actions)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(log: Path) -> tuple[subprocess.Popen, str, float]:
    """A fresh server (no OG_RPC_URL: it starts its own network); returns it once health answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PRIVATE_KEY", "OG_NETWORK", "OG_RPC_URL")}
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true", "--server.fileWatcherType", "none"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    url = f"http://localhost:{port}"
    while time.monotonic() - t0 < 120:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return proc, url, t0
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError("the server did not answer in 120 s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _one(browser, log: Path) -> Run:
    proc, url, t0 = _start(log)
    health = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.get_by_test_id("stSidebarNav").wait_for()
        frame = time.monotonic()
        page.locator("h1", has_text="Discover services").wait_for()
        page.get_by_test_id("stDataFrame").first.wait_for()
        page.wait_for_selector(IDLE)
        ready = time.monotonic()
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Chat$")).click()
        page.wait_for_function("() => document.activeElement?.dataset?.testid === 'stChatInputTextArea'")
        page.keyboard.type("What is 2+3?")
        page.keyboard.press("Enter")
        page.get_by_test_id("stChatMessage").nth(1).get_by_text("verified", exact=True).wait_for()
        answered = time.monotonic()
    finally:
        context.close()
        _stop(proc)
    return Run(health - t0, frame - health, ready - health, answered - health)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    runs: list[Run] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for i in range(args.runs):
                run = _one(browser, Path(tmp) / f"server-{i}.log")
                runs.append(run)
                print(f"run {i + 1}: server answers {run.answers_s:.1f} s after start; frame {run.frame_s:.2f} s, "
                      f"first page ready {run.page_s:.2f} s, verified answer {run.answer_s:.2f} s after that",
                      flush=True)
        finally:
            browser.close()

    def med(field: str) -> float:
        return statistics.median(getattr(r, field) for r in runs)

    rows = [("process start → server answers", med("answers_s"), None),
            ("server answers → page frame (navigation drawn)", med("frame_s"), 1.0),
            ("server answers → first page ready (Discover's table)", med("page_s"), 3.0),
            ("server answers → verified chat answer (3 actions)", med("answer_s"), None)]
    print(f"\nMedian of {len(runs)} fresh servers (each starts its own local network), "
          f"load average {os.getloadavg()[0]:.1f}:\n")
    print("| metric | median | target | ratio |")
    print("|---|---:|---:|---:|")
    for name, value, target in rows:
        goal = f"≤ {target:g} s" if target else "—"
        ratio = f"{target / value:.2f}×" if target and value > 0 else "—"
        print(f"| {name} | {value:.2f} s | {goal} | {ratio} |")


if __name__ == "__main__":
    main()

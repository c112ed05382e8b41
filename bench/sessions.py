"""Many browser sessions on one app process: rerun times, errors and the app's memory.

Starts a local network and one `streamlit run app.py` against it (a free port), then drives Debian's
Chromium through Playwright (one browser, one context per session):

1. **Walk**, first one session alone (after a read-only warm-up look at each page), then each crowd
   size of `--sessions` at once, one after the other (side by side in one run): open Discover, paste the session's own key, select a provider,
   "Use in chat", send a message and wait for the verified answer, open Wallet, deposit 1 OG through
   the confirmation dialog. Each wallet is a fresh account with a ledger and a funded chat-tee
   sub-account (set up through og_core first).
   A rerun time is the time from an action (click, Enter, navigation) to the app's idle state
   (`[data-testid='stApp'][data-test-script-state='notRunning']`), taken in the page from the
   script-state changes a MutationObserver records, so polling never adds to it.
   An error is a step that failed or timed out, a traceback or error box on a page, or a deposit
   that did not move exactly 1 OG.
2. **Hostile catalogue** (a fresh app process, same network, `bench/hostile.py`, which serves the
   tests' hostile bodies): a gzip bomb and a 200 MB /v1/models, a 16 MB chat stream and an endless
   one are registered; `--hostile-sessions`
   sessions open Discover (which probes every provider) and then chat with a hostile streamer. The app
   process's RSS is sampled every 50 ms (its baseline: after one session opened Wallet, before any
   probe). A watchdog ends the app if it passes `--rss-limit-mb`, so a bomb cannot take the machine.

    python bench/sessions.py [--sessions 5,10,20] [--hostile-sessions 6] [--stagger 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_account import Account

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/sessions.py` works too

from bench.hostile import MODES, STREAMERS, register_hostile  # noqa: E402
from og_core import WEI_PER_OG, OgClient, Settings  # noqa: E402
from og_devnet.launch import DevnetHandle, start_devnet  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Records every script-state change with its page time, from the first byte of every document.
RECORDER = """
window.__runs = [];
new MutationObserver(ms => { for (const m of ms) window.__runs.push([m.target.getAttribute(
    'data-test-script-state'), performance.now()]); })
  .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""
# After the action at page time t0: a run started and the app is idle again.
RAN_AND_IDLE = f"""t0 => window.__runs.some(r => r[1] > t0 && r[0] === 'running')
    && document.querySelector("{IDLE}") !== null"""
LAST_IDLE = "() => { const r = window.__runs.filter(r => r[0] === 'notRunning'); return r.length ? r[r.length - 1][1] : performance.now(); }"
WALK_STEPS = ("open Discover", "paste key", "select provider", "open Chat (Use in chat)", "chat: send → verified answer",
              "open Wallet", "deposit: review", "deposit: confirm → confirmed")
NAV_TARGET_S = 5.0  # a page open or a selection, p95, with every session busy at once
RSS_TARGET_MB = 1024
NAV_STEPS = ("open Discover", "paste key", "select provider", "open Chat (Use in chat)", "open Wallet", "deposit: review")


# ---------------------------------------------------------------- the app process and its memory
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class App:
    """`streamlit run app.py` on a free port against `rpc_url`, with an RSS sampler and a watchdog."""

    def __init__(self, rpc_url: str, log_dir: Path, name: str, rss_limit_mb: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"app-{name}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("PRIVATE_KEY", "OG_NETWORK")}
        env.update(OG_RPC_URL=rpc_url, PYTHONUNBUFFERED="1")
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.rss_limit_mb = rss_limit_mb
        self.peak_mb = 0.0
        self.killed_at_mb: float | None = None
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{self.url}/_stcore/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("streamlit did not become healthy in 60 s")

    def _sample(self) -> None:
        while not self._stop.is_set() and self.process.poll() is None:
            now = rss_mb(self.process.pid)
            self.peak_mb = max(self.peak_mb, now)
            if now > self.rss_limit_mb and self.killed_at_mb is None:
                self.killed_at_mb = now  # a bomb must not take the shared machine down with it
                self.process.kill()
            time.sleep(0.05)

    def rss(self) -> float:
        return rss_mb(self.process.pid)

    def reset_peak(self) -> None:
        self.peak_mb = self.rss()

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()  # streamlit alone: the network is the bench's, not the app's
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# ---------------------------------------------------------------- wallets (set up through og_core)
@dataclass
class Wallet:
    address: str
    key: str


def funded_wallets(handle: DevnetHandle, count: int, providers: list[str]) -> list[Wallet]:
    """`count` fresh accounts: 1,000 OG native, a 20 OG ledger and 3 OG with each of `providers`."""

    def one(_: int) -> Wallet:
        acct = Account.create()
        requests.post(handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "hardhat_setBalance",
                                            "params": [acct.address, hex(1000 * WEI_PER_OG)]}, timeout=30)
        with OgClient("local", private_key=acct.key.to_0x_hex(), settings=Settings(), rpc_url=handle.rpc_url,
                      addresses=handle.info["addresses"]) as client:
            client.execute(client.plan_deposit("20"))
            for p in providers:
                client.execute(client.plan_fund_provider(p, "3"))
        return Wallet(acct.address, acct.key.to_0x_hex())

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


# ---------------------------------------------------------------- one browser session
@dataclass
class Session:
    name: str
    times: dict[str, float] = field(default_factory=dict)  # step → seconds
    errors: list[str] = field(default_factory=list)


async def timed(page: Any, action: Any, *, until: Any = None, timeout_ms: float = 180_000) -> float:
    """Seconds from `action` (an awaitable factory) to the app's idle state after the run it started;
    `until` (another factory) must also hold before the end is read (e.g. the answer is verified)."""
    t0 = await page.evaluate("performance.now()")
    await action()
    await page.wait_for_function(RAN_AND_IDLE, arg=t0, timeout=timeout_ms, polling=50)
    if until is not None:
        await until()
        await page.wait_for_selector(IDLE, timeout=timeout_ms)
    return (await page.evaluate(LAST_IDLE) - t0) / 1000


async def page_errors(page: Any) -> list[str]:
    """Tracebacks and error boxes on the page right now (their first line)."""
    found = []
    for test_id in ("stException", "stAlertContentError"):
        for text in await page.get_by_test_id(test_id).all_inner_texts():
            found.append(f"{test_id}: {text.strip().splitlines()[0][:160] if text.strip() else '(empty)'}")
    return found


async def step(s: Session, page: Any, name: str, action: Any, **kw: Any) -> bool:
    try:
        s.times[name] = await timed(page, action, **kw)
    except Exception as exc:  # a timeout or a missing element: this walk cannot go on
        s.errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        return False
    if errs := await page_errors(page):
        s.errors += [f"{name}: {e}" for e in errs]
    return True


async def new_page(browser: Any) -> Any:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(RECORDER)
    page = await context.new_page()
    page.set_default_timeout(180_000)
    return page


async def paste_key(s: Session, page: Any, wallet: Wallet) -> bool:
    """The sidebar's "Another key" box (the URL chose it): this session's own wallet."""
    box = page.locator(".st-key-ui_key_input input")

    async def paste() -> None:
        await box.fill(wallet.key)
        await box.press("Enter")

    return await step(s, page, "paste key", paste, until=lambda: page.get_by_text("key typed in this tab").wait_for())


async def walk(browser: Any, app: App, wallet: Wallet, name: str, delay: float) -> Session:
    """Discover → key → provider → Chat (verified answer) → Wallet → 1 OG deposit."""
    await asyncio.sleep(delay)
    s = Session(name)
    page = await new_page(browser)
    try:
        ok = await step(s, page, "open Discover", lambda: page.goto(f"{app.url}/?wallet=tab"))
        ok = ok and await paste_key(s, page, wallet)

        async def select_row() -> None:
            grid = page.get_by_test_id("stDataFrame").first
            bb = await grid.bounding_box()
            await page.mouse.click(bb["x"] + 15, bb["y"] + 35 + 17)  # row 0 (chat-tee): its selection marker

        ok = ok and await step(s, page, "select provider", select_row,
                               until=lambda: page.get_by_role("button", name="Use in chat").wait_for())
        ok = ok and await step(s, page, "open Chat (Use in chat)",
                               lambda: page.get_by_role("button", name="Use in chat").click(),
                               until=lambda: page.get_by_test_id("stChatInputTextArea").wait_for())
        area = page.get_by_test_id("stChatInputTextArea")

        async def send() -> None:
            await area.fill("What is 2+3?")
            await area.press("Enter")

        answer = page.get_by_test_id("stChatMessage").nth(1)
        ok = ok and await step(s, page, "chat: send → verified answer", send,
                               until=lambda: answer.get_by_text("verified", exact=True).wait_for())
        ok = ok and await step(s, page, "open Wallet",
                               lambda: page.get_by_test_id("stSidebarNav").get_by_text("Wallet & ledger").click(),
                               until=lambda: page.locator(".st-key-wallet_deposit_amount input").wait_for())

        async def review() -> None:
            amount = page.locator(".st-key-wallet_deposit_amount input")
            await amount.fill("1")
            await amount.press("Enter")
            await page.wait_for_selector(IDLE)
            await page.locator(".st-key-wallet_deposit_btn button").click()

        dialog = page.get_by_test_id("stDialog")
        ok = ok and await step(s, page, "deposit: review", review, until=lambda: dialog.wait_for())
        ok = ok and await step(s, page, "deposit: confirm → confirmed",
                               lambda: dialog.get_by_role("button", name="Confirm and send").click(),
                               until=lambda: page.get_by_text("Transaction hash:").first.wait_for())
    finally:
        await page.context.close()
    return s


async def hostile_walk(browser: Any, app: App, wallet: Wallet, model: str, name: str, delay: float,
                       chat_s: float, discovered: asyncio.Barrier) -> Session:
    """Discover (every provider probed, the hostile ones too), wait for every session to get there
    (`discovered`), then Chat with a hostile streamer for `chat_s` seconds → Stop."""
    await asyncio.sleep(delay)
    s = Session(name)
    page = await new_page(browser)
    waited = False
    try:
        ok = await step(s, page, "open Discover", lambda: page.goto(f"{app.url}/?wallet=tab"),
                        until=lambda: page.get_by_test_id("stDataFrame").first.wait_for())
        ok = ok and await paste_key(s, page, wallet)
        waited = True
        await discovered.wait()
        ok = ok and await step(s, page, "open Chat",
                               lambda: page.get_by_test_id("stSidebarNav").get_by_text("Chat", exact=True).click(),
                               until=lambda: page.locator(".st-key-chat_provider").wait_for())

        async def pick() -> None:
            await page.locator(".st-key-chat_provider").get_by_role("combobox").click()
            await page.get_by_role("option", name=model).first.click()  # a substring: the label says more

        ok = ok and await step(s, page, "pick hostile provider", pick,
                               until=lambda: page.get_by_test_id("stChatInputTextArea").wait_for())
        if ok:
            area = page.get_by_test_id("stChatInputTextArea")
            await area.fill("Say something long.")
            await area.press("Enter")
            await asyncio.sleep(chat_s)
            stop = page.locator(".st-key-chat_stop button").first
            t0 = time.perf_counter()
            try:
                if await stop.count():
                    await stop.click(timeout=30_000)
                await page.wait_for_selector(IDLE, timeout=60_000)
                s.times["Stop → idle"] = time.perf_counter() - t0
            except Exception as exc:
                s.errors.append(f"Stop: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            s.errors += [e for e in await page_errors(page) if "stException" in e]
    finally:
        if not waited:  # never leave the others waiting at the barrier
            await discovered.wait()
        await page.context.close()
    return s


# ---------------------------------------------------------------- phases
async def warm_up(browser: Any, app: App) -> None:
    """One read-only look at every page of the walk, so the measured sessions meet a warm process."""
    page = await new_page(browser)
    for path in ("", "chat", "wallet"):
        await page.goto(f"{app.url}/{path}")
        await page.wait_for_selector(IDLE)
    await page.context.close()


async def run_walks(app: App, wallets: list[Wallet], stagger: float, tag: str, *, warm: bool = False) -> list[Session]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if warm:
                await warm_up(browser, app)
            return list(await asyncio.gather(*(walk(browser, app, w, f"{tag}{i}", i * stagger)
                                               for i, w in enumerate(wallets))))
        finally:
            await browser.close()


async def run_hostile(app: App, wallets: list[Wallet], models: list[str], stagger: float,
                      chat_s: float) -> tuple[list[Session], float, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # the baseline: one session on Wallet (no probe yet), then the hostile sessions
            page = await new_page(browser)
            await page.goto(f"{app.url}/wallet")
            await page.wait_for_selector(IDLE)
            await page.context.close()
            await asyncio.sleep(2)
            app.reset_peak()
            baseline = app.rss()
            discovered = asyncio.Barrier(len(wallets) + 1)
            tasks = [asyncio.create_task(hostile_walk(browser, app, w, models[i % len(models)], f"h{i}", i * stagger,
                                                      chat_s, discovered)) for i, w in enumerate(wallets)]
            await discovered.wait()
            discover_peak = app.killed_at_mb or app.peak_mb  # every session has opened Discover, none chatted yet
            return list(await asyncio.gather(*tasks)), baseline, discover_peak
        finally:
            await browser.close()


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def deposits_exact(handle: DevnetHandle, wallets: list[Wallet], sessions: list[Session]) -> list[str]:
    """Every session whose walk reached the deposit moved exactly 1 OG into its ledger: available 17 → 18 OG
    (fees for the chat are settled from the chat-tee sub-account, never from what is available)."""
    errors = []
    for w, s in zip(wallets, sessions, strict=True):
        if "deposit: confirm → confirmed" not in s.times:
            continue
        with OgClient("local", private_key=w.key, settings=Settings(), rpc_url=handle.rpc_url,
                      addresses=handle.info["addresses"]) as client:
            available = client.ledger().available_wei
        if available != 18 * WEI_PER_OG:
            errors.append(f"{s.name}: {available / WEI_PER_OG} OG available after a 1 OG deposit (expected 18)")
    return errors


@dataclass
class Crowd:
    """One crowd size's walk: its sessions, errors, and what it cost the app and the browser."""

    sessions: list[Session]
    errors: list[str]
    wall_s: float
    app_cpu_s: float  # the app process's user + system time during the walk
    peak_mb: float
    load: float  # the machine's 1-minute load average at the end (2 cores; other work counts too)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crowd_walk(handle: DevnetHandle, app: App, wallets: list[Wallet], stagger: float, tag: str,
               warm: bool = False) -> Crowd:
    """All `wallets` walk at once (the wall time includes starting the browser)."""
    app.reset_peak()
    app_cpu, t0 = cpu_s(app.process.pid), time.perf_counter()
    sessions = asyncio.run(run_walks(app, wallets, stagger, tag, warm=warm))
    wall = time.perf_counter() - t0
    errors = [e for s in sessions for e in s.errors] + deposits_exact(handle, wallets, sessions)
    for e in errors[:10]:
        print(f"  error: {e}")
    return Crowd(sessions, errors, wall, cpu_s(app.process.pid) - app_cpu, app.peak_mb, os.getloadavg()[0])


def phase_walk(handle: DevnetHandle, sizes: list[int], stagger: float, logs: Path,
               rss_limit_mb: float) -> list[Crowd]:
    """One session alone (after a warm-up), then each crowd size in turn, on one app process."""
    chat = next(p["address"] for p in handle.info["providers"] if p["name"] == "chat-tee")
    print(f"· funding {1 + sum(sizes)} wallets through og_core (ledger 20 OG, chat-tee 3 OG)", flush=True)
    wallets = funded_wallets(handle, 1 + sum(sizes), [chat])
    app = App(handle.rpc_url, logs, "walk", rss_limit_mb)
    crowds = []
    try:
        print("· 1 session alone", flush=True)
        crowds.append(crowd_walk(handle, app, wallets[:1], 0, "a", warm=True))
        used = 1
        for n in sizes:
            print(f"· {n} sessions at once (started {stagger:g} s apart)", flush=True)
            crowds.append(crowd_walk(handle, app, wallets[used:used + n], stagger, f"s{n}-"))
            used += n
    finally:
        app.stop()
    return crowds


def walk_table(crowds: list[Crowd], stagger: float) -> list[str]:
    """One column per crowd size (the first is the lone session); targets and ratios for the largest."""
    big = crowds[-1]
    n = len(big.sessions)
    rows: list[list[str]] = [["sessions", *(str(len(c.sessions)) for c in crowds), "", "", ""]]

    def per(name: str, fn: Any, target: str = "", ratio: str = "", note: str = "") -> None:
        rows.append([name, *(fn(c) for c in crowds), target, ratio, note])

    ok = sum(1 for s in big.sessions if not s.errors)
    per("walks completed without error", lambda c: f"{sum(1 for s in c.sessions if not s.errors)}/{len(c.sessions)}",
        f"{n}/{n}", f"{ok / n:.2f}×")
    per("errors", lambda c: str(len(c.errors)), "0", "✓" if not big.errors else "✗",
        "failed or timed-out steps (180 s), tracebacks, error boxes, wrong deposits")
    for name in WALK_STEPS:
        def cell(c: Crowd, name: str = name) -> str:
            t = [s.times[name] for s in c.sessions if name in s.times]
            return "—" if not t else f"{pct(t, .5):.1f} / {pct(t, .95):.1f} s"
        per(f"{name}: p50 / p95", cell)

    def nav(c: Crowd) -> list[float]:
        return [s.times[k] for s in c.sessions for k in NAV_STEPS if k in s.times]

    nav_big = pct(nav(big), .95)
    per("page opens and selections: p95", lambda c: f"{pct(nav(c), .95):.1f} s", f"≤ {NAV_TARGET_S:g} s",
        f"{NAV_TARGET_S / nav_big:.2f}×", f"{nav_big / pct(nav(crowds[0]), .95):.1f}× the lone session")
    per("every rerun: p50 / p95", lambda c: f"{pct([v for s in c.sessions for v in s.times.values()], .5):.1f} / {pct([v for s in c.sessions for v in s.times.values()], .95):.1f} s")
    per("app peak RSS", lambda c: f"{c.peak_mb:.0f} MB", f"≤ {RSS_TARGET_MB} MB", f"{RSS_TARGET_MB / big.peak_mb:.2f}×",
        "one process, all sessions")
    per("wall time of the walk", lambda c: f"{c.wall_s:.0f} s", note=f"sessions started {stagger:g} s apart")
    per("app CPU / wall time", lambda c: f"{c.app_cpu_s / c.wall_s:.2f}",
        note="1.00 = one core busy all along (one Python process)")
    per("machine load (1 min) at the end", lambda c: f"{c.load:.1f}", note="2 cores, shared with other work")
    head = ["metric", "1 session", *(f"{len(c.sessions)} at once" for c in crowds[1:]), "target", "ratio", "notes"]
    table = [f"| {' | '.join(head)} |", "|---|" + "---:|" * (len(head) - 2) + "---|"]
    return table + [f"| {' | '.join(row)} |" for row in rows]


def phase_hostile(handle: DevnetHandle, args: argparse.Namespace, logs: Path) -> list[str]:
    print(f"· hostile catalogue: registering {', '.join(MODES)}", flush=True)
    regs = [register_hostile(handle.rpc_url, handle.info["addresses"]["inference"], m) for m in MODES]
    try:
        streamers = [r for r in regs if r.mode in STREAMERS]
        wallets = funded_wallets(handle, args.hostile_sessions, [r.address for r in streamers])
        app = App(handle.rpc_url, logs, "hostile", args.rss_limit_mb)
        try:
            print(f"· {args.hostile_sessions} sessions: Discover, then chat with a hostile streamer", flush=True)
            sessions, baseline, discover_peak = asyncio.run(run_hostile(app, wallets, [r.model for r in streamers], args.stagger,
                                                         args.hostile_chat_seconds))
        finally:
            app.stop()
        probes = {r.model: r.probes() for r in regs}
    finally:
        for r in regs:
            r.server.close()
    errors = [e for s in sessions for e in s.errors]
    for e in errors[:20]:
        print(f"  hostile: {e}")
    print(f"  /v1/models requests served: {probes}")
    peak = app.killed_at_mb or app.peak_mb
    grown = peak - baseline
    stops = [s.times["Stop → idle"] for s in sessions if "Stop → idle" in s.times]
    worst_stop = max(stops) if len(stops) == len(sessions) else float("inf")
    return ["| hostile catalogue | value | target | ratio | notes |", "|---|---:|---:|---:|---|",
            f"| app RSS baseline | {baseline:.0f} MB | | | after one session opened Wallet |",
            f"| app peak RSS | {peak:.0f} MB{' (the watchdog ended the app)' if app.killed_at_mb else ''} | | | "
            f"{len(sessions)} sessions |",
            f"| peak above baseline, Discover (probes) | {discover_peak - baseline:.0f} MB | ≤ 300 MB | "
            f"{300 / max(discover_peak - baseline, 1):.2f}× | 1 GiB gzip bomb, 200 MB /v1/models |",
            f"| peak above baseline, all | {grown:.0f} MB | ≤ 300 MB | {300 / max(grown, 1):.2f}× | "
            "then the 16 MB and endless streams |",
            f"| Discover rendered | {sum('open Discover' in s.times for s in sessions)}/{len(sessions)} | "
            f"{len(sessions)}/{len(sessions)} | | it probes every provider |",
            f"| Stop → idle, worst | {worst_stop:.1f} s | ≤ 2 s | {2 / worst_stop:.2f}× | "
            f"after {args.hostile_chat_seconds:g} s of stream ({len(stops)}/{len(sessions)} stopped) |",
            f"| errors | {len(errors)} | 0 | {'✓' if not errors else '✗'} | failed steps, tracebacks |"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", default="20", help="crowd sizes, one after the other (e.g. 5,10,20); 0: none")
    ap.add_argument("--hostile-sessions", type=int, default=6, help="0: only the walk")
    ap.add_argument("--stagger", type=float, default=0.5, help="seconds between session starts")
    ap.add_argument("--hostile-chat-seconds", type=float, default=10.0)
    ap.add_argument("--rss-limit-mb", type=float, default=4096.0, help="the watchdog ends the app above this")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium)")
        return 2
    started = time.perf_counter()
    logs = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    print(f"· starting a local network (logs in {logs})", flush=True)
    handle = start_devnet(port=0, log_path=logs / "devnet.log")
    tables: list[str] = []
    failed = False
    try:
        sizes = [int(n) for n in args.sessions.split(",") if n.strip() and int(n)]
        if sizes:
            crowds = phase_walk(handle, sizes, args.stagger, logs, args.rss_limit_mb)
            tables += walk_table(crowds, args.stagger) + [""]
            failed = bool(crowds[-1].errors)
        if args.hostile_sessions:
            tables += phase_hostile(handle, args, logs)
    finally:
        handle.stop()
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s\n")
    print("\n".join(tables))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Browser-test helpers: a real `streamlit run app.py` server on a free port and Debian's headless
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
WAV = ROOT / "tests" / "data" / "hello_world.wav"  # "hello world", for upload and the fake microphone
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# Every 0G API key starts so ("app-sk-" + base64 of its JSON): the "view code" snippets that build a
# session token carry the bare "app-sk-" as code, which is no secret.
KEY_PREFIX = "app-sk-eyJ"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PHONE = {"width": 390, "height": 844}  # a phone's CSS viewport (issue 11 §5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_server(rpc_url: str | None, name: str, *, data_dir: Path | None = None,
                 address: str | None = "127.0.0.1") -> Server:
    """`streamlit run app.py` on a free port, waiting for /_stcore/health. rpc_url None: like a fresh
    clone, the app starts its own local network. data_dir: the app's OG_DATA_DIR (else a new empty one
    of its own: two servers never share conversations unless a test means them to). address None: the one .streamlit/config.toml sets."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    log_path = ARTIFACTS / f"server-{name}.log"
    env = {k: v for k, v in os.environ.items() if k not in ("PRIVATE_KEY", "OG_NETWORK", "OG_RPC_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    if rpc_url:
        env["OG_RPC_URL"] = rpc_url
    env["OG_DATA_DIR"] = str(data_dir if data_dir is not None else tempfile.mkdtemp(prefix="og-data-server-"))
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             *(["--server.address", address] if address else []), "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    url = f"http://{address or 'localhost'}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return Server(url, proc, log_path)
        except requests.RequestException:
            pass
        time.sleep(0.2)
    Server(url, proc, log_path).stop()
    raise RuntimeError("streamlit did not become healthy in 60 s")


def forget_store(data_dir: Path) -> None:
    """Empty a server's local store of conversations, media and chat settings (the server may be running:
    SQLite's own locking keeps this safe; the transaction notes stay, as the chain keeps their
    transactions)."""
    db = data_dir / "playground.sqlite3"
    if not db.exists():
        return
    with sqlite3.connect(db, timeout=30) as con:
        con.execute("PRAGMA foreign_keys = ON")
        for table in ("messages", "sessions", "media", "settings"):
            con.execute(f"DELETE FROM {table}")
    con.close()


def launch_chromium(playwright_instance, *extra_args: str):
    """Debian's Chromium (never a downloaded browser), headless, plus `extra_args`."""
    return playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))


def new_page(browser, *, timeout_ms: float = 60_000, **context_options):
    """A page in a fresh context of `browser`, at the screenshot viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_options)
    pg = context.new_page()
    pg.set_default_timeout(timeout_ms)
    return pg


def wait_idle(page, timeout: float = 90_000) -> None:
    """Let a rerun start, then wait until the script has finished."""
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


def open_page(page, server: Server, path: str = "", timeout: float = 120_000) -> None:
    """Open `path` and wait until its script is idle, past the note a fresh server shows while its local
    network starts (og_ui/startup.py; that note reruns the page by itself)."""
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector("[data-testid='stApp']")
    wait_idle(page, timeout)
    page.wait_for_selector(".st-key-startup_note", state="detached", timeout=timeout)
    wait_idle(page, timeout)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def key(page, k: str):
    """The element container Streamlit marks with `st-key-<key>`."""
    return page.locator(f".st-key-{k}")


def choose(page, container, option: str) -> None:
    """Pick `option` in a selectbox inside `container`."""
    container.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_idle(page)


def wallet_label(devnet, index: int) -> str:
    address = devnet.info["demo_accounts"][index]["address"]
    return f"Demo #{index + 1} · {address[:6]}…{address[-4:]}"


def pick_wallet(page, devnet, index: int) -> None:
    """Select demo wallet `index` (0-based) in the sidebar."""
    choose(page, key(page, "ui_demo_address"), wallet_label(devnet, index))


def click(page, locator) -> None:
    locator.click()
    wait_idle(page)


def _outcomes(page) -> list[str]:
    """The texts that announce a sent transaction: the Wallet page's box with the hash, or a toast."""
    return page.get_by_text("Transaction hash:").or_(page.get_by_test_id("stToast")).all_inner_texts()


def confirm_tx(page, timeout_s: float = 90.0) -> None:
    """Confirm the open dialog and wait until THIS transaction's outcome shows. The Wallet page keeps the
    previous transaction's box with its hash until dismissed (og_ui.tx.BANNER_PAGES), so an outcome
    that was already on the page before the click does not count."""
    dialog = page.get_by_test_id("stDialog")
    dialog.wait_for()
    before = _outcomes(page)
    dialog.get_by_role("button", name="Confirm and send").click()
    deadline = time.monotonic() + timeout_s
    while not [text for text in _outcomes(page) if text not in before]:
        if time.monotonic() > deadline:
            raise AssertionError(f"no new transaction outcome within {timeout_s:g} s (before: {before})")
        page.wait_for_timeout(200)
    wait_idle(page)


def fill_chat(page, text: str, timeout_ms: float = 90_000) -> None:
    """Send `text` on the Chat page and wait for its answer's verification line (the answer is kept)."""
    before = page.get_by_test_id("stChatMessage").count()
    area = page.get_by_test_id("stChatInputTextArea")
    area.fill(text)
    area.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(before + 1)
    answer.wait_for(timeout=timeout_ms)
    answer.get_by_role("button", name="Re-verify").wait_for(timeout=timeout_ms)
    wait_idle(page)


def demo_key(devnet, index: int) -> str:
    return devnet.info["demo_accounts"][index]["private_key"]


def og_client(devnet, index: int):
    from og_core import OgClient

    return OgClient("local", private_key=demo_key(devnet, index), rpc_url=devnet.rpc_url)


def ensure_funded(devnet, index: int, *providers: str, ledger: str = "20", each: str = "3") -> None:
    """Test setup through og_core (not the UI): a ledger and funded providers for demo wallet `index`."""
    client = og_client(devnet, index)
    view = client.ledger()
    if not view.exists:
        client.execute(client.plan_deposit(ledger))
    for p in providers:
        acct = client.ledger().provider(p)
        if acct is None or acct.held_wei < 2 * 10**18:
            client.execute(client.plan_fund_provider(p, each))


def secrets(devnet) -> list[str]:
    keys = [a["private_key"] for a in devnet.info["demo_accounts"]]
    return keys + [k.removeprefix("0x") for k in keys] + [KEY_PREFIX]


def phone_context(browser):
    """A browser context the size and kind of a phone (PHONE, touch)."""
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def fits(locator) -> bool:
    """The element is drawn and lies within the phone's width (1 px of rounding allowed)."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1

"""Browser-test fixtures: a real `streamlit run app.py` server on a free port, the session's real
local network, and Debian's headless Chromium driven by Playwright. Helpers: tests/support/browser.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import (
    CHROMIUM,
    SHOTS,
    Server,
    forget_store,
    launch_chromium,
    new_page,
    shot,
    start_server,
)


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared server's OG_DATA_DIR, named here: the per-test data_dir fixture would otherwise hand
    the server whichever test happened to start it."""
    return tmp_path_factory.mktemp("og-data-app-server")


@pytest.fixture(scope="session")
def app_server(devnet, app_data_dir) -> Iterator[Server]:
    server = start_server(devnet.rpc_url, "shared", data_dir=app_data_dir)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_conversations(request: pytest.FixtureRequest) -> None:
    """Conversations, the gallery and chat settings outlive a browser session on the shared server (as
    they do for a user), so each test that uses it starts with none: a test that chats on Demo #2
    never finds the 16 MB answer another test left there."""
    if "app_server" in request.fixturenames:
        forget_store(request.getfixturevalue("app_data_dir"))


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator:
    """One Playwright driver per session (the sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator:
    b = launch_chromium(playwright_instance)
    yield b
    b.close()


@pytest.fixture
def page(browser):
    pg = new_page(browser, accept_downloads=True)
    yield pg
    pg.context.close()


@pytest.fixture(scope="session", autouse=True)
def _shots_dir():
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("FAILED-*.png"):  # screenshots of an earlier run's failures
        old.unlink()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, keep a screenshot of the page for the person reading the CI log."""
    outcome = yield
    report = outcome.get_result()
    pg = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and pg is not None:
        try:
            shot(pg, f"FAILED-{item.name}")
        except Exception:  # the page may already be gone
            pass

"""app_pages/ is layout only: background work (threads, locks, executors, event loops) lives in
og_ui/jobs.py. This reads every page's imports, so a page that starts its own thread fails here."""

from __future__ import annotations

import ast
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "app_pages"
CONCURRENCY = {"threading", "concurrent", "asyncio", "multiprocessing", "_thread"}


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def concurrency_imports(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name.split(".")[0] in CONCURRENCY}


def test_no_page_imports_threads_locks_or_executors():
    pages = sorted(PAGES.glob("*.py"))
    assert len(pages) >= 7
    offenders = {p.name: sorted(concurrency_imports(p.read_text())) for p in pages}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_check_sees_every_import_form():
    assert concurrency_imports("import threading") == {"threading"}
    assert "concurrent.futures" in concurrency_imports("from concurrent.futures import ThreadPoolExecutor")
    assert concurrency_imports("import asyncio as aio\ndef f():\n    import multiprocessing") == {
        "asyncio", "multiprocessing"}
    assert concurrency_imports("from og_ui import jobs\nimport streamlit as st") == set()

"""The layering is an executable contract (import-linter, pyproject.toml's [tool.importlinter]):
app_pages -> og_ui -> og_core's root; og_core never imports the UI and starts og_devnet only in
og_core/networks.py; og_devnet never imports og_core or the UI. CI runs `lint-imports` too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app_pages", "og_ui", "og_core", "og_devnet")
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=tree, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "200"})


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_every_contract():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_a_violation_breaks_the_contract(tmp_path):
    """A page importing an og_core submodule, og_core importing streamlit, og_devnet importing og_core:
    each breaks its contract (and the copy without them is clean, so the contracts did the finding)."""
    tree = _copy(tmp_path)
    assert _lint(tree).returncode == 0
    modules = sorted(p.stem for p in (tree / "og_core").glob("*.py") if p.stem != "__init__")
    submodule = "ledger" if "ledger" in modules else modules[0]
    _append(tree / "app_pages" / "chat.py", f"import og_core.{submodule}  # a page past og_core's root")
    _append(tree / "og_core" / "client.py", "import streamlit  # og_core must not know the UI")
    _append(tree / "og_devnet" / "chain.py", "import og_core  # og_devnet must stand apart")
    run = _lint(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    broken = {line.removesuffix(" BROKEN").strip() for line in run.stdout.splitlines() if line.endswith("BROKEN")}
    assert broken == {"Pages and og_ui reach og_core through its root only, and never og_devnet",
                      "og_core never imports the UI",
                      "og_devnet stands apart: it is reached over the protocol only"}, run.stdout
    assert f"app_pages.chat -> og_core.{submodule}" in run.stdout


def test_tests_take_helpers_from_tests_support_not_from_conftest_or_other_tests():
    """Shared test helpers live in tests/support/; a conftest holds fixtures only, a test module is no
    library (importing one also collects its tests twice)."""
    import ast

    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                last = name.rsplit(".", 1)[-1]
                if last == "conftest" or last.startswith("test_"):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []

"""Compile the devnet's Vyper contracts into committed JSON artifacts.

Run `python -m og_devnet.contracts.build` after editing a `.vy` file. Nothing compiles
at run time: the devnet and the tests load `artifacts/<Name>.json`, and a test checks
that each artifact's `source_sha256` still matches its source.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

CONTRACTS_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = CONTRACTS_DIR / "artifacts"
CONTRACT_NAMES = ("LedgerManager", "InferenceServing")
VYPER_VERSION = "0.4.3"


def source_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.vy"


def artifact_path(name: str) -> Path:
    return ARTIFACTS_DIR / f"{name}.json"


def source_sha256(name: str) -> str:
    return hashlib.sha256(source_path(name).read_bytes()).hexdigest()


def load_artifact(name: str) -> dict[str, Any]:
    """The committed artifact: {abi, bytecode, vyper_version, source_sha256}."""
    return json.loads(artifact_path(name).read_text())


def compile_contract(name: str) -> dict[str, Any]:
    import vyper  # imported lazily: only building needs the compiler

    if vyper.__version__ != VYPER_VERSION:
        raise RuntimeError(f"vyper {VYPER_VERSION} required, found {vyper.__version__}")
    out = vyper.compile_code(
        source_path(name).read_text(),
        contract_path=str(source_path(name)),
        output_formats=["abi", "bytecode"],
    )
    return {
        "abi": out["abi"],
        "bytecode": out["bytecode"],
        "vyper_version": VYPER_VERSION,
        "source_sha256": source_sha256(name),
    }


def build(names: tuple[str, ...] = CONTRACT_NAMES) -> list[Path]:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    written = []
    for name in names:
        path = artifact_path(name)
        path.write_text(json.dumps(compile_contract(name), indent=1) + "\n")
        written.append(path)
    return written


def main() -> int:
    for path in build():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

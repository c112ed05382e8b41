"""Deploy 0G's own compiled contracts on the local chain, for conformance runs.

The bytecode comes from the npm package `@0gfoundation/0g-compute-ts-sdk@0.9.0` (ISC licence):
its typechain factories carry `_abi` and `_bytecode` of LedgerManager and InferenceServing
(solc 0.8.22). We fetch it with `npm pack` (version pinned, tarball sha256 checked), cache the
tarball and the extracted artifacts under `~/.cache/og-devnet/` (so later runs are offline)
and never commit either. The constructors disable initializers, so each contract runs behind
an EIP-1167 minimal clone, as docs/protocol.md describes (official contracts); deployed from hardhat account #0 on a
fresh chain the proxies land on the SDK's built-in `hardhat` addresses.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from web3 import Web3

from og_devnet.deployer import (
    INFERENCE_NONCE,
    INFERENCE_SERVICE_TYPE,
    INFERENCE_VERSION,
    LEDGER_NONCE,
    Addresses,
    Deployer,
    fine_tuning_address,
)

PACKAGE = "@0gfoundation/0g-compute-ts-sdk"
VERSION = "0.9.0"
TARBALL_NAME = "0gfoundation-0g-compute-ts-sdk-0.9.0.tgz"
TARBALL_SHA256 = "68d29e6fdce68f79c708b04cfbb0cf6271e3604ec226e886a0680b99f1c76c9f"
FACTORIES = {
    "ledger": "package/lib.commonjs/ledger/contract/typechain/factories/LedgerManager__factory.js",
    "inference": "package/lib.commonjs/inference/contract/typechain/factories/InferenceServing__factory.js",
}

EIP1167_PREFIX = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73")
EIP1167_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
SERVICE_DESCRIPTION = "0G inference serving (official bytecode, local devnet)"

# Evaluates a typechain factory with a stub `ethers` (it is not shipped in the tarball) and
# prints its static abi/bytecode as JSON.
_NODE_EXTRACT = r"""
const vm = require('vm');
let src = '';
process.stdin.on('data', (c) => { src += c; });
process.stdin.on('end', () => {
  class Stub {}
  const ethers = { ContractFactory: Stub, Interface: Stub, Contract: Stub };
  const mod = { exports: {} };
  vm.runInNewContext(src, { exports: mod.exports, module: mod, require: () => ethers });
  const factory = Object.values(mod.exports).find((v) => typeof v === 'function' && v.abi);
  process.stdout.write(JSON.stringify({ abi: factory.abi, bytecode: factory.bytecode }));
});
"""


class OfficialContractsUnavailable(RuntimeError):
    """npm/node are missing, the registry is unreachable, or the tarball does not match."""


def cache_dir() -> Path:
    return Path(os.environ.get("OG_DEVNET_CACHE", Path.home() / ".cache" / "og-devnet"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_tarball() -> Path:
    """The pinned, sha256-verified npm tarball, downloaded once with `npm pack`."""
    target = cache_dir() / TARBALL_NAME
    if target.exists() and _sha256(target) == TARBALL_SHA256:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise OfficialContractsUnavailable("npm is not installed: cannot fetch 0G's official contracts")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        proc = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
            capture_output=True, text=True, timeout=600, cwd=tmp,
        )
        fetched = Path(tmp) / TARBALL_NAME
        if proc.returncode != 0 or not fetched.exists():
            raise OfficialContractsUnavailable(f"npm pack {PACKAGE}@{VERSION} failed: {proc.stderr.strip()[-500:]}")
        actual = _sha256(fetched)
        if actual != TARBALL_SHA256:
            raise OfficialContractsUnavailable(
                f"{TARBALL_NAME} sha256 is {actual}, expected {TARBALL_SHA256}: refusing to use it")
        fetched.replace(target)
    return target


def _extract(tarball: Path) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        raise OfficialContractsUnavailable("node is not installed: cannot read the typechain factories")
    out: dict[str, dict[str, Any]] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for name, member in FACTORIES.items():
            fh = tar.extractfile(member)
            if fh is None:
                raise OfficialContractsUnavailable(f"{member} missing from {tarball.name}")
            proc = subprocess.run([node, "-e", _NODE_EXTRACT], input=fh.read(), capture_output=True,
                                  timeout=120)
            if proc.returncode != 0:
                raise OfficialContractsUnavailable(f"could not evaluate {member}: {proc.stderr.decode()[-500:]}")
            artifact = json.loads(proc.stdout)
            if not artifact.get("bytecode", "").startswith("0x") or not artifact.get("abi"):
                raise OfficialContractsUnavailable(f"{member} has no abi/bytecode")
            out[name] = artifact
    return out


@cache
def official_artifacts() -> dict[str, dict[str, Any]]:
    """{"ledger"|"inference": {"abi": [...], "bytecode": "0x…"}} from the pinned package."""
    cached = cache_dir() / f"official-artifacts-{VERSION}-{TARBALL_SHA256[:16]}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    artifacts = _extract(fetch_tarball())
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(artifacts))
    tmp.replace(cached)
    return artifacts


def official_abis() -> dict[str, list]:
    """The official LedgerManager ("ledger") and InferenceServing ("inference") ABIs."""
    return {name: art["abi"] for name, art in official_artifacts().items()}


def clone_creation_code(implementation: str) -> bytes:
    """EIP-1167 minimal proxy creation code delegating to `implementation`."""
    return EIP1167_PREFIX + bytes.fromhex(implementation[2:]) + EIP1167_SUFFIX


def deploy_official(w3: Web3, deployer_key: str, *, lock_time: int = 86400) -> Addresses:
    """Deploy, initialize and wire 0G's official LedgerManager + InferenceServing.

    On a fresh chain with hardhat account #0 as deployer the proxies land on the SDK's
    `hardhat` addresses (ledger nonce 2, inference nonce 6); another deployer's fresh nonces put
    them elsewhere. The deployer becomes the owner of both.
    """
    artifacts = official_artifacts()
    d = Deployer(w3, deployer_key)
    owner = d.address
    ledger_impl = d.create(artifacts["ledger"]["bytecode"])  # nonce 0
    inference_impl = d.create(artifacts["inference"]["bytecode"])  # nonce 1
    d.pad_to(LEDGER_NONCE)
    ledger_addr = d.create(clone_creation_code(ledger_impl))  # nonce 2
    ledger = w3.eth.contract(address=ledger_addr, abi=artifacts["ledger"]["abi"])
    d.call(ledger.functions.initialize(owner))
    d.pad_to(INFERENCE_NONCE)
    inference_addr = d.create(clone_creation_code(inference_impl))  # nonce 6
    inference = w3.eth.contract(address=inference_addr, abi=artifacts["inference"]["abi"])
    d.call(inference.functions.initialize(lock_time, ledger_addr, owner))
    d.call(ledger.functions.registerService(INFERENCE_SERVICE_TYPE, INFERENCE_VERSION, inference_addr,
                                            SERVICE_DESCRIPTION))
    return Addresses(ledger=ledger_addr, inference=inference_addr, fine_tuning=fine_tuning_address(ledger_addr))

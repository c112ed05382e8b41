"""InferenceServing ABI used by the broker: the SDK's ABI plus 0G's `settleFeesWithTEE`.

Prefers the devnet's compiled artifact when it exists, so the broker follows our contracts; the
functions it calls have the same ABI on ours and on 0G's official bytecode.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_ARTIFACT = Path(__file__).resolve().parent.parent / "contracts" / "artifacts" / "InferenceServing.json"

SETTLE_FEES_WITH_TEE = {
    "type": "function",
    "name": "settleFeesWithTEE",
    "stateMutability": "nonpayable",
    "inputs": [{
        "name": "settlements",
        "type": "tuple[]",
        "internalType": "struct TEESettlementData[]",
        "components": [
            {"name": "user", "type": "address", "internalType": "address"},
            {"name": "provider", "type": "address", "internalType": "address"},
            {"name": "totalFee", "type": "uint256", "internalType": "uint256"},
            {"name": "requestsHash", "type": "bytes32", "internalType": "bytes32"},
            {"name": "nonce", "type": "uint256", "internalType": "uint256"},
            {"name": "signature", "type": "bytes", "internalType": "bytes"},
        ],
    }],
    "outputs": [{"name": "statuses", "type": "uint8[]", "internalType": "uint8[]"}],
}

# Status codes returned per settlement by 0G's contract.
SETTLEMENT_STATUS = {0: "SUCCESS", 1: "PARTIAL", 2: "PROVIDER_MISMATCH", 3: "NO_TEE_SIGNER",
                     4: "INVALID_NONCE", 5: "INVALID_SIGNATURE"}


@cache
def inference_abi() -> list[dict]:
    abi: list[dict] = []
    if _ARTIFACT.exists():
        try:
            data = json.loads(_ARTIFACT.read_text())
            abi = list(data["abi"] if isinstance(data, dict) else data)
        except (ValueError, KeyError, TypeError):
            abi = []
    if not abi:
        from zerog_py_sdk.contracts.abis import SERVING_CONTRACT_ABI

        abi = list(SERVING_CONTRACT_ABI)
    if not any(e.get("name") == "settleFeesWithTEE" for e in abi):
        abi.append(SETTLE_FEES_WITH_TEE)
    return abi

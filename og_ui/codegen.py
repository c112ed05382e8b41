"""The "view code" snippets: a standalone Python script that makes the same request with the 0G SDK,
prints the answer and verifies its TEE signature. The key is read from the environment.

The script signs its own session token, as og_core/auth.py does (SDK pitfalls #1 and #2): the SDK's
token carries the wrong generation after any revocation, so the provider would reject it."""

from __future__ import annotations

import json
import pprint

from og_core import OgClient


def _body(request_body: bytes, fallback: dict) -> str:
    try:
        data = json.loads(request_body) if request_body else fallback
    except ValueError:
        data = fallback
    # A Python literal (True/None), not JSON (true/null): the snippet must run as pasted.
    return pprint.pformat(data, indent=4, width=100, sort_dicts=False)


def chat_code(client: OgClient, provider: str, request_body: bytes, fallback: dict) -> str:
    """Python for this exact chat request (the body is what the app sent)."""
    a = client.addresses
    body = _body(request_body, fallback)
    return f'''"""Chat with a 0G Compute provider and verify the answer (from the 0G Compute Playground).

pip install 0g-inference-sdk==0.9.1 requests
PRIVATE_KEY=0x... python chat.py      # never paste a key into code
"""
import base64
import hashlib
import json
import os
import secrets
import time

import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from zerog_py_sdk.broker import ZGServingBroker

account = Account.from_key(os.environ["PRIVATE_KEY"])
w3 = Web3(Web3.HTTPProvider(os.environ.get("OG_RPC_URL", "{client.shareable_rpc_url}")))  # {client.network}, chain {client.chain_id}
broker = ZGServingBroker(account, w3,
                         inference_address="{a.get("inference", "")}",
                         ledger_address="{a.get("ledger", "")}",
                         fine_tuning_address="{a.get("fine_tuning", "")}")

provider = Web3.to_checksum_address("{provider}")
service = broker.inference.get_service(provider)
endpoint = f"{{service.url}}/v1/proxy"


def session_headers(provider: str) -> dict:
    """A signed session token, built here rather than by the SDK (0.9.1): its get_request_headers()
    may first send a transferFund on its own, and its token reads the generation from the wrong
    getAccount() field (revokedBitmap), so after any key revocation the provider rejects it."""
    try:
        state = broker.serving_contract.functions.getAccount(account.address, provider).call()
    except Exception as exc:  # AccountNotExists: this wallet never funded the provider
        raise SystemExit(f"No account with this provider yet: fund it with at least 1 OG first ({{exc}}).")
    # getAccount() fields: 9 = generation (bumped by revokeAllTokens), 10 = revokedBitmap. The bitmap
    # only concerns API keys (token ids 0-254); a session token is id 255, checked by generation alone.
    generation = int(state[9])
    now = int(time.time() * 1000)
    raw = json.dumps({{"address": account.address, "provider": provider, "timestamp": now,
                      "expiresAt": now + 3600 * 1000, "nonce": secrets.token_hex(16),
                      "generation": generation, "tokenId": 255}}, separators=(",", ":"))
    # The provider checks an EIP-191 signature over keccak256 of exactly these bytes.
    sig = account.sign_message(encode_defunct(primitive=Web3.keccak(text=raw))).signature.hex()
    sig = sig if sig.startswith("0x") else "0x" + sig
    return {{"Authorization": "Bearer app-sk-" + base64.b64encode(f"{{raw}}|{{sig}}".encode()).decode()}}


headers = session_headers(provider)

body = {body}
resp = requests.post(f"{{endpoint}}/chat/completions", headers=headers, json=body,
                     stream=bool(body.get("stream")), timeout=120)
if resp.status_code != 200:
    raise SystemExit(f"The provider refused ({{resp.status_code}}): {{resp.text}}")
chat_id = resp.headers.get("ZG-Res-Key")  # the key of the TEE signature; else the completion id
if body.get("stream"):
    raw, buffer = b"", b""
    for chunk in resp.iter_content(chunk_size=None):
        raw, buffer = raw + chunk, buffer + chunk
        *lines, buffer = buffer.split(b"\\n")
        for line in lines:
            if not line.startswith(b"data: ") or line.strip() == b"data: [DONE]":
                continue
            event = json.loads(line[6:])
            chat_id = chat_id or event.get("id")
            for choice in event.get("choices") or []:  # the last chunk carries only the usage
                print((choice.get("delta") or {{}}).get("content") or "", end="", flush=True)
            if event.get("usage"):
                print("\\nusage:", event["usage"])
else:
    raw = resp.content
    data = resp.json()
    chat_id = chat_id or data.get("id")
    print(data["choices"][0]["message"]["content"])
    print("usage:", data.get("usage"))

# Verify: the provider's TEE key signed "sha256(request):sha256(response)" (EIP-191).
sig = requests.get(f"{{endpoint}}/signature/{{chat_id}}", params={{"model": body["model"]}}, timeout=30).json()
signer = Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"])
same_bytes = sig["text"].split(":")[-1] == hashlib.sha256(raw).hexdigest()
# (A provider whose additionalInfo sets TargetSeparated signs with its TargetTeeAddress instead.)
if signer.lower() == service.tee_signer_address.lower() and same_bytes:
    print(f"verified: signed by the on-chain TEE signer {{signer}}")
else:
    print(f"NOT verified: signed by {{signer}}, on-chain signer {{service.tee_signer_address}}, "
          f"response hash matches: {{same_bytes}}")
'''

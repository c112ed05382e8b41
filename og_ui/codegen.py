"""The "view code" snippets: the same request in four forms — Python with the 0G SDK (signs its own session
token and verifies the answer's TEE signature), Python with the OpenAI client, cURL, and TypeScript with
0G's TS SDK. Keys and API keys are read from the environment, never written into a snippet, and every
provider-written value (its URL, the model, the body) is a quoted literal, so it can never become code.

The Python SDK script signs its own session token, as og_core/auth.py does (SDK pitfalls #1 and #2): the
SDK's token carries the wrong generation after any revocation, so the provider would reject it."""

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


TS_SDK = "@0gfoundation/0g-compute-ts-sdk@0.9.0"


def _json_body(request_body: bytes, fallback: dict) -> dict:
    try:
        data = json.loads(request_body) if request_body else fallback
    except ValueError:
        data = fallback
    return data if isinstance(data, dict) else fallback


def _shell_quote(text: str) -> str:
    """One shell word, whatever the text holds: single quotes, each ' written as '\''."""
    return "'" + text.replace("'", "'\\''") + "'"


def openai_code(endpoint: str, request_body: bytes, fallback: dict) -> str:
    """Python with the OpenAI client against the provider's OpenAI-compatible proxy, with an API key."""
    body = _json_body(request_body, fallback)
    body.pop("stream", None)  # a plain call: the reply object prints as a whole
    body.pop("stream_options", None)
    args = pprint.pformat(body, indent=4, width=100, sort_dicts=False)
    return f'''"""The same chat request with the OpenAI client (from the 0G Compute Playground).

pip install openai
OG_API_KEY=... python chat_openai.py    # a key from Wallet → API keys; never paste it into code
"""
import os

from openai import OpenAI

client = OpenAI(base_url={json.dumps(endpoint)}, api_key=os.environ["OG_API_KEY"])
reply = client.chat.completions.create(**{args})
print(reply.choices[0].message.content)
print("usage:", reply.usage)
'''


def curl_code(endpoint: str, request_body: bytes, fallback: dict) -> str:
    """cURL with an API key from the environment; the body is the JSON the app sent, as one shell word."""
    body = json.dumps(_json_body(request_body, fallback), indent=2, ensure_ascii=False)
    return (f"# OG_API_KEY: a key from Wallet → API keys (keep it in the environment, not in scripts)\n"
            f"curl --no-buffer {_shell_quote(endpoint + '/chat/completions')} \\\n"
            f"  -H \"Authorization: Bearer $OG_API_KEY\" \\\n"
            f"  -H 'Content-Type: application/json' \\\n"
            f"  -d {_shell_quote(body)}\n")


def typescript_code(client: OgClient, provider: str, request_body: bytes, fallback: dict) -> str:
    """TypeScript with 0G's TS SDK: its own headers, the request, and its own response check."""
    a = client.addresses
    body = json.dumps(_json_body(request_body, fallback) | {"stream": False}, indent=2, ensure_ascii=False)
    return f'''// The same chat request with 0G's TypeScript SDK (from the 0G Compute Playground).
// npm install {TS_SDK} ethers
// PRIVATE_KEY=0x... npx tsx chat.ts        (never paste a key into code)
import {{ ethers }} from "ethers";
import {{ createZGComputeNetworkBroker }} from "@0gfoundation/0g-compute-ts-sdk";

const rpc = new ethers.JsonRpcProvider(process.env.OG_RPC_URL ?? {json.dumps(client.shareable_rpc_url)}); // {client.network}, chain {client.chain_id}
const wallet = new ethers.Wallet(process.env.PRIVATE_KEY!, rpc);
const broker = await createZGComputeNetworkBroker(wallet, {json.dumps(a.get("ledger", ""))},
  {json.dumps(a.get("inference", ""))}, {json.dumps(a.get("fine_tuning", ""))});

const provider = {json.dumps(provider)};
const {{ endpoint }} = await broker.inference.getServiceMetadata(provider);
// Careful: unless auto-funding runs, getRequestHeaders first checks the sub-account and may move OG
// from your ledger to the provider on its own (the SDK's checkAndFund). Fund it yourself beforehand.
const headers = await broker.inference.getRequestHeaders(provider);
const body = {body};
const resp = await fetch(`${{endpoint}}/chat/completions`, {{
  method: "POST",
  headers: {{ "Content-Type": "application/json", ...headers }},
  body: JSON.stringify(body),
}});
if (!resp.ok) throw new Error(`The provider refused (${{resp.status}}): ${{await resp.text()}}`);
const data = await resp.json();
console.log(data.choices[0].message.content, data.usage);
// The SDK's own check of the answer (true / false; null when it cannot tell)
const chatId = resp.headers.get("ZG-Res-Key") ?? data.id;
console.log("valid:", await broker.inference.processResponse(provider, chatId, JSON.stringify(data.usage)));
'''


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

"""The "view code" snippets: Python that makes the same request with the 0G SDK, keys from the env."""

from __future__ import annotations

import json

from og_core import OgClient


def _body(request_body: bytes, fallback: dict) -> str:
    try:
        data = json.loads(request_body) if request_body else fallback
    except ValueError:
        data = fallback
    return json.dumps(data, indent=4, ensure_ascii=False)


def chat_code(client: OgClient, provider: str, request_body: bytes, fallback: dict) -> str:
    """Python for this exact chat request (the JSON body is what the app sent)."""
    a = client.addresses
    body = _body(request_body, fallback)
    return f'''import json
import os

import requests
from eth_account import Account
from web3 import Web3
from zerog_py_sdk.broker import ZGServingBroker

# Never paste a key into code: read it from the environment.
account = Account.from_key(os.environ["PRIVATE_KEY"])
w3 = Web3(Web3.HTTPProvider("{client.rpc_url}"))  # {client.network}, chain {client.chain_id}
broker = ZGServingBroker(account, w3,
                         inference_address="{a.get("inference", "")}",
                         ledger_address="{a.get("ledger", "")}",
                         fine_tuning_address="{a.get("fine_tuning", "")}")

provider = "{provider}"
meta = broker.inference.get_service_metadata(provider)  # endpoint = <service url>/v1/proxy
# Careful: get_request_headers() may send a transferFund on its own when it thinks the provider
# balance is low (SDK 0.9.1). Fund the provider explicitly first; this playground never does that.
headers = broker.inference.get_request_headers(provider)

body = {body}
with requests.post(f"{{meta['endpoint']}}/chat/completions", headers=headers, json=body,
                   stream=body.get("stream", False), timeout=120) as resp:
    resp.raise_for_status()
    for line in resp.iter_lines(decode_unicode=True):
        if line.startswith("data: ") and line != "data: [DONE]":
            delta = json.loads(line[6:])["choices"][0].get("delta", {{}})
            print(delta.get("content") or "", end="", flush=True)
    chat_id = resp.headers.get("ZG-Res-Key")
print()
# Verify the TEE signature of the answer with chat_id: GET {{service url}}/v1/proxy/signature/<chat_id>?model=…
'''

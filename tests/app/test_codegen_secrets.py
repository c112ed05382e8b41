"""The "view code" snippet never carries the operator's RPC API key: hosted RPC endpoints keep it in
the URL's path or query, and the snippet is shown to whoever uses the app."""

from __future__ import annotations

import json
import shlex
from types import SimpleNamespace

import pytest

from og_core.client import _shareable
from og_ui.codegen import chat_code, curl_code, openai_code, typescript_code

SECRET = "k3y0fth30p3rat0r"


@pytest.mark.parametrize("url,shown", [
    (f"https://eth.example/v2/{SECRET}", "https://eth.example"),
    (f"https://eth.example:8545/rpc?apikey={SECRET}", "https://eth.example:8545"),
    (f"https://user:{SECRET}@eth.example/", "https://eth.example"),
    ("https://evmrpc-testnet.0g.ai", "https://evmrpc-testnet.0g.ai"),
    ("http://127.0.0.1:8545/", "http://127.0.0.1:8545/"),
])
def test_the_shareable_rpc_url_has_no_path_query_or_credentials(url, shown):
    assert _shareable(url) == shown


def test_the_code_snippet_does_not_show_the_rpc_key():
    client = SimpleNamespace(addresses={"inference": "0x" + "11" * 20, "ledger": "0x" + "22" * 20},
                             shareable_rpc_url=_shareable(f"https://eth.example/v2/{SECRET}"),
                             rpc_url=f"https://eth.example/v2/{SECRET}", network="testnet", chain_id=16602)
    code = chat_code(client, "0x" + "ab" * 20, b'{"model": "m", "messages": []}', {})  # type: ignore[arg-type]
    assert SECRET not in code and 'os.environ.get("OG_RPC_URL", "https://eth.example")' in code


def test_no_snippet_shows_the_rpc_key_or_a_key_and_provider_text_stays_a_literal():
    client = SimpleNamespace(addresses={"inference": "0x" + "11" * 20, "ledger": "0x" + "22" * 20},
                             shareable_rpc_url=_shareable(f"https://eth.example/v2/{SECRET}"),
                             rpc_url=f"https://eth.example/v2/{SECRET}", network="testnet", chain_id=16602)
    hostile = b'{"model": "m\\"); process.exit(1); //\' $(rm -rf ~)", "messages": []}'
    ts = typescript_code(client, "0x" + "ab" * 20, hostile, {})  # type: ignore[arg-type]
    openai = openai_code("https://p.example/v1/proxy", hostile, {})
    curl = curl_code("https://p.example/v1/proxy", hostile, {})
    for code in (ts, openai, curl):
        assert SECRET not in code and "0x" + "07" * 32 not in code
    assert 'process.env.OG_RPC_URL ?? "https://eth.example"' in ts
    assert '"model": "m\\"); process.exit(1); //\' $(rm -rf ~)"' in ts  # a JSON string, not code
    compile(openai, "openai.py", "exec")
    words = shlex.split(curl.split("\n", 1)[1].replace("\\\n", " "))  # as a shell reads it
    assert json.loads(words[words.index("-d") + 1]) == json.loads(hostile)  # the body, one word, unchanged

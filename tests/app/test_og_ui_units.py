"""og_ui helpers that need no Streamlit run: key checks, demo wallets, uploads, code snippet."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from og_core import local_demo_accounts, short_address
from og_ui import media, wallets
from tests.support.images import bomb_png

WAV = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"


@pytest.mark.parametrize("bad", ["", "   ", "0x1234", "zz" * 32, "0x" + "1" * 63, "0x" + "1" * 65,
                                 "0x" + "00" * 32, "ff" * 32])
def test_check_private_key_refuses_malformed_keys_without_echoing(bad):
    with pytest.raises(ValueError) as info:
        wallets.check_private_key(bad)
    assert bad.strip() == "" or bad not in str(info.value)


def test_check_private_key_accepts_with_or_without_prefix():
    key = "ab" * 32
    assert wallets.check_private_key(key).get_secret_value() == "0x" + key
    assert wallets.check_private_key("0x" + key).get_secret_value() == "0x" + key
    assert "ab" not in repr(wallets.check_private_key(key))


def test_demo_wallets_are_og_cores_public_accounts_matching_the_devnet(devnet):
    from og_core.local_tools import _hardhat_demo_accounts

    derived = _hardhat_demo_accounts()  # the fallback when OG_RPC_URL points at a network started elsewhere
    assert [d.address for d in derived] == [a["address"] for a in devnet.info["demo_accounts"]]
    assert [d.private_key for d in derived] == [a["private_key"] for a in devnet.info["demo_accounts"]]
    demos = wallets.demo_accounts()
    assert [(d.address, d.key.get_secret_value()) for d in demos] == [tuple(a) for a in local_demo_accounts()]
    assert [d.label for d in demos][:2] == ["Demo #1", "Demo #2"]


def test_upload_checks():
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    assert media.check_image(buf.getvalue()) is None
    assert "not an image" in media.check_image(b"GIF89a-but-not-really")
    assert media.check_image(b"") == "The file is empty."
    # a decompression bomb (40,000 x 40,000 pixels in 194 KB) is refused in words, from its header
    assert "more than" in media.check_image(bomb_png(40_000, 40_000)) or "far larger" in media.check_image(
        bomb_png(40_000, 40_000))
    assert "10,000 × 10,000 pixels" in media.check_image(bomb_png(10_000, 10_000))  # below Pillow's own limit
    assert media.check_audio(b"") and media.check_audio(b"RIFF")
    assert "not audio" in media.check_audio(b"RIFF" + bytes(100))
    assert media.check_audio(WAV.read_bytes()) is None


def test_is_address_and_short_address():
    assert wallets.is_address("0x" + "aB" * 20)
    assert not wallets.is_address("0x" + "aB" * 19)
    assert short_address("0x1234567890abcdef1234567890abcdef12345678") == "0x1234…5678"


@pytest.mark.parametrize("stream", [True, False])
def test_chat_code_snippet_runs_as_pasted_and_verifies(app_env, wallet, stream, tmp_path):
    """'View code' is a script a user pastes and runs: it must make the same request with the SDK,
    print the answer and verify it — here against the real local network."""
    from og_ui.codegen import chat_code
    from tests.support.app import provider

    chat_tee = provider(app_env, "chat-tee")
    wallet.fund(chat_tee)
    messages = [{"role": "user", "content": "What is 6 * 7?"}]
    if stream:
        result = wallet.client.chat_stream(chat_tee, messages, max_tokens=32).result
    else:
        result = wallet.client.chat(chat_tee, messages, max_tokens=32)
    code = chat_code(wallet.client, chat_tee, result.request_body, {})
    assert wallet.key.removeprefix("0x") not in code
    script = tmp_path / "chat.py"
    script.write_text(code)
    env = {**os.environ, "PRIVATE_KEY": wallet.key}
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "6 * 7 = 42" in run.stdout
    assert "usage:" in run.stdout and "verified: signed by the on-chain TEE signer" in run.stdout


@pytest.mark.parametrize("revoke", ["one-key", "all-tokens"])
def test_chat_code_snippet_still_runs_after_a_revocation(app_env, wallet, revoke, tmp_path):
    """SDK 0.9.1 signs its tokens with revokedBitmap as the generation: after any revocation the
    provider rejects them. The snippet builds its own token, so it keeps working."""
    from og_core.auth import decode_token
    from og_ui.codegen import chat_code
    from tests.support.app import provider

    chat_tee = provider(app_env, "chat-tee")
    wallet.fund(chat_tee)
    client = wallet.client
    key = client.api_keys.create(chat_tee)
    plan = (client.api_keys.plan_revoke(chat_tee, key.info.token_id) if revoke == "one-key"
            else client.api_keys.plan_revoke_all(chat_tee))
    client.execute(plan)
    generation, bitmap, _ = client._auth.account_state(chat_tee)
    assert (generation, bitmap) == ((0, 1 << key.info.token_id) if revoke == "one-key" else (1, 0))
    result = client.chat(chat_tee, [{"role": "user", "content": "What is 6 * 7?"}], max_tokens=32)
    assert decode_token(client._auth.headers(chat_tee)["Authorization"])["generation"] == generation
    script = tmp_path / "chat.py"
    script.write_text(chat_code(client, chat_tee, result.request_body, {}))
    env = {**os.environ, "PRIVATE_KEY": wallet.key}
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.stdout + run.stderr)[-2000:]
    assert "6 * 7 = 42" in run.stdout
    assert "verified: signed by the on-chain TEE signer" in run.stdout


def test_usage_counts_are_singular_for_one():
    import re

    from og_ui.widgets import count_text, usage_caption

    assert [count_text(n, "token") for n in (0, 1, 2, 1234)] == ["0 tokens", "1 token", "2 tokens", "1,234 tokens"]
    assert usage_caption(tokens=1, cost_wei=0, latency_ms=5).startswith("1 token · cost 0 OG")
    assert usage_caption(tokens=21, cost_wei=0, latency_ms=5).startswith("21 tokens · ")
    assert [count_text(n, "image") for n in (1, 3)] == ["1 image", "3 images"]
    # every page words its counts with count_text (Compare passes the number itself)
    root = Path(__file__).resolve().parents[2]
    for page in [*root.glob("app_pages/*.py"), *root.glob("og_ui/*.py")]:  # "{n} tokens": a fixed plural
        assert not re.search(r"\} (tokens|images|image\(s\))", page.read_text()), page.name


def test_provider_text_is_inert_in_markdown_and_clean_in_plain_places():
    """A provider's words reach our captions, labels and error boxes: links, images, colours, icons or
    maths in them must show as typed, not render. Every ASCII punctuation character is escaped, and the
    shortcodes, arrows and bare-URL autolinks Streamlit finds in the remaining text are broken by an
    invisible joiner; removing both gives the text back."""
    import re
    import string

    from og_ui.inert import clean, inert

    hostile = ("Refused ![x](http://evil/p.png) [fund here](http://evil) **now** :red[!] $$x$$ `c` # 1. a_b <b> "
               ":material/verified: :streamlit: -> www.evil.com a@evil.com &amp;")
    shown = inert(hostile)
    assert re.sub(r"\\(.)", r"\1", shown.replace("\u2060", "")) == hostile
    unescaped = re.sub(r"\\.", "", shown)
    assert not set(unescaped) & set(string.punctuation)
    for pattern in (":material", ":streamlit", "->", "http:/", "www.", "@evil"):  # all split by the joiner
        assert pattern not in shown.replace("\\", "")
    # one line, no control or bidi characters (U+202E would reverse what a user reads)
    assert inert("a\n\nb\u202ec\x00") == "a b" + "c" and clean(" a\r\n\tb\u202e ") == "a b"
    assert clean("x" * 100, limit=10) == "x" * 9 + "…"

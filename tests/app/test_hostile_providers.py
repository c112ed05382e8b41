"""The hostile catalogue (tests/support/rogue.py) against the real app: every page renders (no exception
element), every provider-written string stays inert text, and a provider's bad image is an error in
words that never reaches the gallery. Issue 8 findings 5 and 6.

Inert, checked on the element tree: no string Streamlit renders as markdown (bodies, labels, captions,
alerts, tab/expander/pill labels, toasts, help) holds a bait marker unescaped; plain-text places
(st.text, st.code, options, tables, charts) may hold the text as typed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.support.app import Wallet, check, provider, run_app, texts
from tests.support.rogue import BAIT_MARKERS, HostileNet, hostile_network

pytestmark = pytest.mark.devnet  # starts a network of its own (with the hostile catalogue)

# elements Streamlit shows as plain text: their strings are not markdown
PLAIN_TYPES = {"text", "code", "json", "arrow_data_frame", "arrow_vega_lite_chart", "vega_lite_chart",
               "dataframe", "download_button", "chat_input", "text_input", "text_area", "number_input"}
# fields of the other elements that are not markdown: option lists, values, ids, chart specs
PLAIN_FIELDS = {"options", "default", "value", "raw_value", "raw_values", "id", "form_id", "placeholder", "spec",
                "data", "formatted_value", "url", "file_id", "current_value"}


@pytest.fixture(scope="module")
def net() -> Iterator[HostileNet]:
    yield from hostile_network()


@pytest.fixture
def wallet(net, monkeypatch, tmp_path) -> Wallet:
    monkeypatch.setenv("OG_RPC_URL", net.handle.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    w = Wallet(net.handle)
    w.fund(net.chat, net.image_provider, provider(net.handle, "chat-lite"))
    net.rogue.mode = "ok"
    net.images.mode = "bomb"
    return w


def _open(wallet: Wallet, page: str) -> AppTest:
    return run_app(page, wallet.key)


def _renders(at: AppTest) -> None:
    check(at)


def _strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    for descriptor, value in message.ListFields():
        if descriptor.name in PLAIN_FIELDS:
            continue
        repeated = not isinstance(value, (str, bytes, Message)) and hasattr(value, "__iter__")
        values = list(value) if repeated else [value]
        for v in values:
            if isinstance(v, Message):
                yield from _strings(v, f"{path}.{descriptor.name}")
            elif isinstance(v, str):
                yield f"{path}.{descriptor.name}", v


def _nodes(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _page_nodes(at: AppTest) -> Iterator:
    """Every element of the page: the main area (dialogs included), the sidebar, and toasts."""
    yield from _nodes(at.main)
    yield from _nodes(at.sidebar)
    yield from at.toast


def markdown_leaks(at: AppTest) -> list[str]:
    """Every markdown-rendered string on the page that holds a bait marker unescaped (not after a
    backslash: "\\<img" shows as text)."""
    leaks = []
    for node in _page_nodes(at):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message) or getattr(node, "type", "") in PLAIN_TYPES:
            continue
        for where, value in _strings(proto):
            if any(re.search(r"(?<!\\)" + re.escape(marker), value) for marker in BAIT_MARKERS):
                leaks.append(f"{node.type}{where}: {value[:160]}")
    return leaks


def _as_typed(markdown: str) -> str:
    """What a markdown string shows: escapes resolved, word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def _shows(at: AppTest, text: str) -> bool:
    """`text` is on the page as typed: in plain text, or in markdown that shows it literally."""
    plain = texts(at.text) + texts(at.code)
    shown = [_as_typed(s) for node in _page_nodes(at) if isinstance(getattr(node, "proto", None), Message)
             for _, s in _strings(node.proto)]
    return any(text in s for s in plain + shown)


def test_discover_shows_every_provider_string_inert(net, wallet):
    at = _open(wallet, "discover")
    assert not markdown_leaks(at), markdown_leaks(at)
    for address in (net.chat, net.lure):
        at.session_state["disc_selected"] = address
        at.run()
        _renders(at)
        assert not markdown_leaks(at), markdown_leaks(at)
    assert _shows(at, net.tracker.short("type")) and _shows(at, net.tracker.short("verif"))
    assert _shows(at, net.tracker.short("url"))
    assert _shows(at, net.tracker.short("target"))  # TargetTeeAddress, quoted in the signer note

    at.session_state["disc_selected"] = net.chat
    at.run()
    at.button(key="disc_attest_btn").click().run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    assert _shows(at, net.tracker.text("model")[:80 - 1])  # the model name, cut at 80 characters
    assert _shows(at, f"{net.tracker.url}/img/models")  # /v1/models ids
    assert _shows(at, f"{net.tracker.url}/img/attestation")  # the attestation error, in its words


def test_chat_answers_errors_and_mid_stream_errors_stay_inert(net, wallet):
    at = _open(wallet, "chat")
    at.selectbox(key="chat_provider").set_value(net.chat).run()
    net.rogue.mode = "bait-answer"
    at.chat_input(key="chat_input").set_value("hello ![x](http://127.0.0.1:9/me.png)").run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    answer = [m for m in at.chat_message if m.name == "assistant"][0]
    assert texts(answer.text) == ["".join(net.tracker.answer())]  # as typed, line breaks kept
    assert _shows(at, f"{net.tracker.url}/img/signature")  # the signature answer's error, in the badge caption

    net.rogue.mode = "bait-error"
    at.chat_input(key="chat_input").set_value("again").run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    assert any(net.tracker.url in _as_typed(e) for e in texts(at.error))
    # Technical details: plain text (og_core cuts its URLs to scheme://host:port)
    assert any(f"[Fund here]({net.tracker.url}" in t for t in texts(at.text)), texts(at.text)

    net.rogue.mode = "bait-midstream"
    at.chat_input(key="chat_input").set_value("and again").run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    assert _shows(at, f"{net.tracker.url}/img/midstream")  # the cut reason, in the provider's words


def test_the_fund_dialog_shows_the_provider_name_apart_as_plain_text(net, wallet):
    at = _open(wallet, "discover")
    at.session_state["disc_selected"] = net.chat
    at.session_state["disc_fund_popover"] = True
    at.run()
    at.text_input(key="disc_fund_amount").set_value("2").run()
    at.button(key="disc_fund_btn").click().run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    assert any(net.chat in t for t in texts(at.markdown))  # the address og_core checked
    assert any(net.tracker.text("model")[:199] in t for t in texts(at.text))  # the provider's words, apart
    assert not any("Verified by 0G" in s for s in texts(at.success))


def test_wallet_page_lists_hostile_services_inert(net, wallet):
    at = _open(wallet, "wallet")
    assert not markdown_leaks(at), markdown_leaks(at)
    for key in ("wallet_fund_provider", "wallet_topup_provider", "wallet_key_provider"):
        assert net.chat in at.selectbox(key=key).options or any(
            net.tracker.url in o for o in at.selectbox(key=key).options)


@pytest.mark.parametrize("mode, words", [("bomb", "far larger than"), ("garbage", "is not an image this app can read")])
def test_a_bad_provider_image_is_an_error_and_never_reaches_the_gallery(net, wallet, mode, words):
    net.images.mode = mode
    at = _open(wallet, "text_to_image")
    at.selectbox(key="img_provider").set_value(net.image_provider).run()
    at.text_area(key="img_prompt").set_value("a red house").run()
    at.button(key="img_run").click().run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)  # its model name, in the picker caption and the error
    assert any(words in e and "Next step" in e for e in texts(at.error)), texts(at.error)
    assert "img_gallery" not in at.session_state or not at.session_state["img_gallery"]
    at.run()  # the page keeps working for the session
    _renders(at)
    at.switch_page("app_pages/image_edit.py")
    at.run()
    _renders(at)

    net.images.mode = "ok"  # and a good image afterwards still arrives
    at.switch_page("app_pages/text_to_image.py")
    at.run()
    at.selectbox(key="img_provider").set_value(net.image_provider)
    at.text_area(key="img_prompt").set_value("a red house").run()
    at.button(key="img_run").click().run()
    _renders(at)
    assert len(at.session_state["img_gallery"]) == 1
    assert not markdown_leaks(at), markdown_leaks(at)  # the result's caption names the model


def test_compare_shows_a_hostile_answer_and_name_inert(net, wallet):
    net.rogue.mode = "bait-answer"
    at = _open(wallet, "compare")
    at.multiselect(key="cmp_providers").set_value([net.chat, provider(net.handle, "chat-lite")]).run()
    at.text_area(key="cmp_prompt").set_value("hi").run()
    at.button(key="cmp_run").click().run()
    _renders(at)
    assert not markdown_leaks(at), markdown_leaks(at)
    assert "".join(net.tracker.answer()) in texts(at.text)  # the answer as typed, line breaks kept

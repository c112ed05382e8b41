"""The gallery and the transcripts in the local store, against the in-memory client (fast tier): they
come back in a new browser session, for their wallet only."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from og_core import Scope, SecretStr, TranscriptResult, Usage, open_store
from tests.support.app import check, open_with, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount

OTHER_KEY = "0x" + "5" * 64


def _open(page: str, **state: object) -> AppTest:
    return open_with(page, **state)


def _user(net: FakeNetwork) -> str:
    return next(c.address for c in net.clients if c.address)


def test_the_gallery_comes_back_for_its_wallet_only(fake_net):
    at = _open("text_to_image")
    user = _user(fake_net)
    fake_net.ledgers[user] = 10 * ONE_OG
    for svc in fake_net.services:
        fake_net.accounts[(user, svc.provider)] = SubAccount(balance_wei=3 * ONE_OG)
    check(at.run())
    at.text_area(key="img_prompt").set_value("a red house")
    at.button(key="img_run").click()
    check(at.run())
    assert [i["prompt"] for i in at.session_state["img_gallery"]] == ["a red house"]

    again = _open("text_to_image")  # a reload
    assert [i["prompt"] for i in again.session_state["img_gallery"]] == ["a red house"]
    assert any("kept on this computer for this wallet" in e.label for e in again.expander)
    edit = _open("image_edit")
    assert not edit.radio(key="edit_source").disabled  # the kept image can be edited after a reload
    other = _open("text_to_image", ui_demo_address="tab", ui_tab_key_local=SecretStr(OTHER_KEY))
    assert other.session_state["img_gallery"] == []
    reader = _open("text_to_image", ui_demo_address="none")
    assert reader.session_state["img_gallery"] == []


def test_earlier_transcripts_are_listed_for_their_wallet(fake_net):
    from og_ui import media_history

    at = _open("speech_to_text")
    user = _user(fake_net)
    result = TranscriptResult("0x" + "1" * 40, "whisper", "hello world", "id-1", Usage(1, 2, 3), 12345, 5.0)

    class Client:  # keep_transcript needs a client's identity only
        read_only, address, network = False, user, "local"

    from unittest import mock

    with mock.patch("og_ui.session.wallet_key", return_value=(user, None, "demo")):
        media_history.keep_transcript(Client(), {"name": "talk.wav", "result": result, "verification": None})  # type: ignore[arg-type]
    kept = open_store().media(Scope("local", user), ["transcript"])
    assert [(m.title, m.text, m.meta["cost_wei"]) for m in kept] == [("talk.wav", "hello world", "12345")]
    check(at.run())
    assert any("Earlier transcripts" in e.label for e in at.expander)
    assert "hello world" in texts(at.code)
    other = _open("speech_to_text", ui_demo_address="tab", ui_tab_key_local=SecretStr(OTHER_KEY))
    assert not any("Earlier transcripts" in e.label for e in other.expander)

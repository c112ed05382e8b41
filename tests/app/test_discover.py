"""Discover page: table, filters, details, "Use in chat", and a refused fund amount."""

from __future__ import annotations

from og_ui.inert import inert
from tests.support.app import provider, texts


def test_table_filters_and_details(open_app, app_env):
    at = open_app()
    assert at.title[0].value == "Discover services"
    table = at.dataframe[0].value
    assert len(table) == 9
    assert set(table["type"]) == {"Chat", "Text-to-image", "Image editing", "Speech-to-text"}
    assert table["health"].str.match(r"up · \d+ ms").all()
    # what people decide on comes first, so it stays in view on a phone
    assert list(table.columns[:6]) == ["model", "input price (OG)", "output price (OG)", "per", "health",
                                       "TEE verifiable"]

    at.selectbox(key="disc_sort").set_value("most expensive first").run()
    table = at.dataframe[0].value
    kinds = list(table["type"])
    # grouped by type (speech-to-text's 100 OG per 1M tokens is not "dearer" than 0.02 OG per image)
    assert kinds == ["Chat"] * 6 + ["Image editing", "Speech-to-text", "Text-to-image"]
    for kind in set(kinds):  # units differ across types: prices are only compared within a type
        prices = list(table[table["type"] == kind]["output price (OG)"])
        assert prices == sorted(prices, reverse=True)
    at.selectbox(key="disc_sort").set_value("none")

    at.pills(key="disc_types").set_value(["image-editing"]).run()
    assert list(at.dataframe[0].value["type"]) == ["Image editing"]
    at.pills(key="disc_types").set_value([]).run()  # nothing picked shows everything, not an empty table
    assert len(at.dataframe[0].value) == 9

    at.toggle(key="disc_verifiable").set_value(True).run()
    assert len(at.dataframe[0].value) == 7  # chat-lite and chat-flaky are not TEE verifiable

    at.toggle(key="disc_verifiable").set_value(False)
    at.text_input(key="disc_search").set_value("chat").run()
    assert list(at.dataframe[0].value["type"]) == ["Chat"] * 6

    at.selectbox(key="disc_sort").set_value("cheapest first").run()
    prices = list(at.dataframe[0].value["output price (OG)"])
    assert prices == sorted(prices)

    at.text_input(key="disc_search").set_value("no-such-model").run()
    assert any("No service matches" in t for t in texts(at.info))


def test_details_and_use_in_chat(open_app, app_env):
    chat = provider(app_env, "chat-tee")
    at = open_app()
    at.session_state["disc_selected"] = chat  # AppTest cannot click dataframe rows
    at.run()
    assert chat in texts(at.code)
    assert any("Responses signed by" in t for t in texts(at.markdown))
    at.button(key="disc_attest_btn").click().run()
    steps = [t.replace("\\", "").replace("\u2060", "") for t in texts(at.markdown)]
    assert any("Step 4 — signer in report_data" in t and "MATCH with the on-chain signer" in t for t in steps)
    assert at.success and not at.error, texts(at.error)  # the local report is consistent: every check passes
    assert texts(at.success)[0].startswith(inert("Attestation passed"))
    assert [d.label for d in at.get("download_button")] == ["Download combined attestation report"]
    at.button(key="disc_use").click().run()
    assert not at.exception
    assert at.title[0].value == "Chat"
    assert at.session_state["chat_provider"] == chat


def test_fund_amount_zero_is_refused(open_app, app_env, wallet):
    at = open_app(wallet=wallet)
    at.session_state["disc_selected"] = provider(app_env, "image")
    at.run()
    for bad in ("0", "-1", "abc"):
        at.text_input(key="disc_fund_amount").set_value(bad)
        at.button(key="disc_fund_btn").click().run()
        assert at.error, f"no error shown for {bad!r}"
        assert "tx_confirm" not in at.session_state
    assert wallet.nonce() == 0


def test_read_only_mode(open_app, app_env):
    at = open_app()
    at.selectbox(key="ui_demo_address").set_value("none").run()
    assert not at.exception
    assert any("Read-only" in t for t in texts(at.sidebar.info))
    assert len(at.dataframe[0].value) == 9

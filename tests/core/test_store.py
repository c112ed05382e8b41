"""og_core/store.py: the schema and its version, isolation per network and wallet, redaction of keys
and tokens, blobs by sha256, and writers in several threads and processes at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import threading

import pytest

from og_core import ConfigError, OgError, Scope, SecretStr, Store, default_data_dir, open_store, redact
from og_core.store import DB_NAME, SCHEMA_VERSION

ALICE = Scope("local", "0x" + "a1" * 20)
BOB = Scope("local", "0x" + "b2" * 20)
ALICE_TESTNET = Scope("testnet", ALICE.wallet)
KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def test_default_data_dir_follows_og_data_dir_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("OG_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    monkeypatch.delenv("OG_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "og-playground"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".local" / "share" / "og-playground"


def test_the_schema_is_versioned_in_wal_mode_and_a_newer_one_is_refused(tmp_path):
    store = Store(tmp_path / DB_NAME)
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "messages", "blobs", "media", "settings", "tx_notes"} <= tables
    Store(store.path)  # opening again migrates nothing and keeps the data
    with sqlite3.connect(store.path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError, match="newer version"):
        Store(store.path)


def test_an_unwritable_data_dir_is_said_in_words(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OgError, match="cannot be opened") as info:
        Store(blocker / DB_NAME)
    assert "OG_DATA_DIR" in info.value.hint


def test_open_store_opens_one_store_per_data_dir(tmp_path):
    assert open_store(tmp_path) is open_store(tmp_path)
    assert open_store(tmp_path).path == (tmp_path / DB_NAME).resolve()


def test_every_record_stays_with_its_network_and_wallet(tmp_path):
    store = Store(tmp_path / DB_NAME)
    sid = store.create_session(ALICE, "Alice's plans")
    assert store.add_messages(ALICE, sid, [("user", "secret plan", {}), ("assistant", "ok", {"cost_wei": "7"})])
    store.add_media(ALICE, "generated", title="a cat", data=b"PNG1")
    store.set_setting(ALICE, "chat", {"temperature": 1.2})
    store.add_tx_note(ALICE, "0xAB", {"asked_wei": "5"})
    for other in (BOB, ALICE_TESTNET):
        assert store.sessions(other) == [] and store.sessions(other, "plan") == []
        assert store.messages(other, sid) == []  # the id alone opens nothing
        assert store.add_messages(other, sid, [("user", "intruder", {})]) == []
        assert not store.rename_session(other, sid, "mine now") and not store.delete_session(other, sid)
        assert store.delete_messages_from(other, sid) == 0
        assert store.media(other, ["generated"]) == [] and store.settings(other) == {} and store.tx_notes(other) == {}
    assert [m.content for m in store.messages(ALICE, sid)] == ["secret plan", "ok"]
    assert store.messages(ALICE, sid)[1].meta == {"cost_wei": "7"}
    assert Scope("local", ALICE.wallet.upper().replace("0X", "0x")) == ALICE  # addresses in any case


def test_sessions_rename_search_delete_and_take_back_a_turn(tmp_path):
    store = Store(tmp_path / DB_NAME)
    first = store.create_session(ALICE, "  First   chat ")
    second = store.create_session(ALICE, "")
    store.add_messages(ALICE, first, [("user", "about 100% of zebras", {})])
    store.add_messages(ALICE, second, [("user", "hello", {}), ("assistant", "hi", {})])
    assert [s.id for s in store.sessions(ALICE)] == [second, first]  # most recently used first
    assert store.session(ALICE, first).title == "First chat" and store.session(ALICE, second).title == "New chat"
    assert [s.id for s in store.sessions(ALICE, "ZEBRA")] == [first]  # message text, any case
    assert [s.id for s in store.sessions(ALICE, "100%")] == [first]  # % is literal, not a wildcard
    assert store.sessions(ALICE, "1_0") == []
    assert store.rename_session(ALICE, second, "Greetings") and store.sessions(ALICE, "greet")[0].id == second
    last_question = store.messages(ALICE, second)[0].id
    assert store.delete_messages_from(ALICE, second, last_question) == 2 and store.messages(ALICE, second) == []
    assert store.delete_session(ALICE, first) and store.messages(ALICE, first) == []
    assert [s.id for s in store.sessions(ALICE)] == [second]


def test_keys_and_tokens_never_reach_the_file(tmp_path):
    store = Store(tmp_path / DB_NAME)
    scope = Scope("local", ALICE.wallet, secrets=(SecretStr(KEY),))
    token = "app-sk-" + "Z" * 40
    sid = store.create_session(scope, f"my key is {KEY}")
    store.add_messages(scope, sid, [
        ("user", f"use {token} or {KEY.removeprefix('0x')}", {"headers": {"Authorization": "Bearer eyJhbGciOi.x.y"}}),
        ("assistant", 'quote "Bearer abcdefgh12\\"def" end', {"nested": [f"x {token}"]})])
    store.add_media(scope, "transcript", title=token, text=f"said {KEY}")
    store.set_setting(scope, "chat", {"system": f"never {token}"})
    assert store.put_blob(b"data: Bearer abcdefgh12\n") is None  # signed bytes are dropped, not altered
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (KEY, KEY.removeprefix("0x"), token, "eyJhbGciOi", "app-sk-", "Bearer"):
        assert secret.encode() not in raw and secret.lower().encode() not in raw.lower(), secret
    assert store.messages(scope, sid)[1].meta == {"nested": ["x [redacted]"]}  # JSON still whole
    assert "[redacted]" in store.session(scope, sid).title
    assert repr(scope).count("secret") == 0 and KEY not in repr(scope)


def test_redact_leaves_ordinary_text_and_hashes_alone():
    tx_hash = "0x" + "ab" * 32
    assert redact(f"tx {tx_hash} cost 0.5 OG; the bearer of news") == f"tx {tx_hash} cost 0.5 OG; the bearer of news"
    assert redact("Authorization: Bearer tok.en-1") == "Authorization: [redacted]"
    assert redact("APP-SK-abc, next") == "[redacted], next"


def test_blobs_are_kept_once_by_sha256_and_go_with_their_last_item(tmp_path):
    store = Store(tmp_path / DB_NAME)
    png = b"\x89PNG" + bytes(range(256))
    a = store.add_media(ALICE, "generated", title="one", data=png)
    b = store.add_media(ALICE, "edited", title="two", data=png)
    digest = hashlib.sha256(png).hexdigest()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT sha256 FROM blobs").fetchall() == [(digest,)]
    assert [m.data for m in store.media(ALICE, ["generated", "edited"])] == [png, png]
    assert [m.title for m in store.media(ALICE, ["edited"])] == ["two"]
    store.delete_media(ALICE, a)
    assert store.blob(digest) == png
    store.delete_media(ALICE, b)
    assert store.blob(digest) is None


def test_writers_in_many_threads_lose_nothing(tmp_path):
    store = Store(tmp_path / DB_NAME)
    sid = store.create_session(ALICE, "busy")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                store.add_messages(ALICE, sid, [("user", f"{n}-{i}", {}), ("assistant", f"answer {n}-{i}", {})])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    contents = [m.content for m in store.messages(ALICE, sid)]
    assert len(contents) == 8 * 20 * 2
    for j in range(0, len(contents), 2):  # each pair written together: a question right before its answer
        assert contents[j + 1] == f"answer {contents[j]}"


def _process_writer(path: str, n: int) -> None:
    store = Store(path)
    for i in range(15):
        sid = store.create_session(BOB, f"p{n}-{i}")
        store.add_messages(BOB, sid, [("user", "q", {})])


def test_two_processes_write_one_file(tmp_path):
    path = str(tmp_path / DB_NAME)
    Store(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(path, n)) for n in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert len(Store(path).sessions(BOB)) == 30

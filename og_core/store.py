"""The app's local memory: conversations, the image gallery, transcripts, chat settings and this app's
own notes on transactions, in one SQLite file per user (stdlib sqlite3).

Everything is kept per (network, wallet address) — a `Scope` — and every read and write names its
scope in the SQL, so an id taken from one wallet's URL finds nothing for another wallet. A read-only
session has no scope and the app does not open the store for it.

What is never written: a private key or a bearer token. Callers pass addresses, never keys; and every
text on its way in is passed through `redact` (app-sk-… API keys, "Bearer …" tokens, and the
private key of the wallet the caller names as a secret), so one pasted into a prompt is not kept.
Bytes that carry a signature check (an answer's raw body) are kept only when they hold no such token:
redacting them would break the check, so they are dropped instead.

Safe across threads and processes: one short-lived connection per call, WAL journal (readers never
wait for the writer), writes in BEGIN IMMEDIATE (a second writer waits for the lock instead of failing
half way), and a busy timeout. The schema's version is SQLite's user_version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from og_core.errors import ConfigError

SCHEMA_VERSION = 1
DB_NAME = "playground.sqlite3"
BUSY_TIMEOUT_MS = 30_000  # a loaded machine: wait for another writer rather than fail
TITLE_CHARS = 80
REDACTED = "[redacted]"

# app-sk-… (0G API keys, also when cut or mangled) and "Bearer <token>" in any case (a token is 8+
# token characters: "the bearer of news" stays).
_SECRETS = re.compile(r"app-sk-[^\s\"'<>,;]*|\bbearer\s+[A-Za-z0-9\-._~+/=]{8,}", re.IGNORECASE)

_SCHEMA = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY, network TEXT NOT NULL, wallet TEXT NOT NULL, title TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX sessions_scope ON sessions (network, wallet, updated);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    role TEXT NOT NULL, content TEXT NOT NULL, meta TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX messages_session ON messages (session_id, id);
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE media (
    id INTEGER PRIMARY KEY, network TEXT NOT NULL, wallet TEXT NOT NULL, kind TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, blob TEXT REFERENCES blobs (sha256), meta TEXT NOT NULL,
    created REAL NOT NULL);
CREATE INDEX media_scope ON media (network, wallet, kind, id);
CREATE TABLE settings (
    network TEXT NOT NULL, wallet TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (network, wallet, name));
CREATE TABLE tx_notes (
    network TEXT NOT NULL, wallet TEXT NOT NULL, tx_hash TEXT NOT NULL, note TEXT NOT NULL,
    created REAL NOT NULL, PRIMARY KEY (network, wallet, tx_hash));
"""


def default_data_dir() -> Path:
    """OG_DATA_DIR, else $XDG_DATA_HOME/og-playground, else ~/.local/share/og-playground."""
    if named := os.environ.get("OG_DATA_DIR", "").strip():
        return Path(named).expanduser()
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "og-playground"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with app-sk-… keys, Bearer tokens and each of `secrets` (e.g. a private key, with and
    without 0x) replaced by [redacted]."""
    for secret in secrets:
        for form in {secret, secret.removeprefix("0x")}:
            if len(form) >= 16:  # never blank out short, common strings
                text = re.sub(re.escape(form), REDACTED, text, flags=re.IGNORECASE)
    return _SECRETS.sub(REDACTED, text)


def holds_secret(data: bytes) -> bool:
    return _SECRETS.search(data.decode("utf-8", "replace")) is not None


@dataclass(frozen=True)
class Scope:
    """Whose records: a network and a wallet address (compared case-insensitively)."""

    network: str
    wallet: str
    # the wallet's key (SecretStr-like: get_secret_value), only to redact it should it appear in a text
    secrets: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.network or not re.fullmatch(r"0x[0-9a-fA-F]{40}", self.wallet):
            raise ValueError("a store scope needs a network and a wallet address")
        object.__setattr__(self, "wallet", self.wallet.lower())


@dataclass(frozen=True)
class ChatSession:
    id: int
    title: str
    created: float
    updated: float
    messages: int


@dataclass(frozen=True)
class StoredMessage:
    id: int
    role: str
    content: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class StoredMedia:
    id: int
    kind: str
    title: str
    text: str
    data: bytes | None
    meta: dict[str, Any]
    created: float


class Store:
    """One SQLite database file. Methods take the Scope they act for; nothing crosses scopes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"The app's data file {self.path} cannot be opened ({exc}).",
                              "Set OG_DATA_DIR to a folder you can write to.") from exc

    # ------------------------------------------------------------------ plumbing
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(self._connect()) as conn:
            return conn.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"it was written by a newer version of the app (schema {version}, "
                                            f"this one knows {SCHEMA_VERSION})")
            if version < 1:  # statement by statement: executescript would commit half way
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version")[0][0])

    @staticmethod
    def _clean(scope: Scope, text: str) -> str:
        return redact(text, (s.get_secret_value() for s in scope.secrets))

    def _json(self, scope: Scope, value: Any) -> str:
        """JSON of `value` with every string in it redacted (before encoding: a cut through an escape
        sequence would break the JSON)."""
        def clean(v: Any) -> Any:
            if isinstance(v, str):
                return self._clean(scope, v)
            if isinstance(v, dict):
                return {self._clean(scope, str(k)): clean(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [clean(x) for x in v]
            return v

        return json.dumps(clean(value), sort_keys=True)

    # ------------------------------------------------------------------ chat sessions
    def create_session(self, scope: Scope, title: str = "New chat") -> int:
        now = time.time()
        with self._write() as conn:
            cur = conn.execute("INSERT INTO sessions (network, wallet, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                               (scope.network, scope.wallet, self._title(scope, title), now, now))
            return int(cur.lastrowid or 0)

    def _title(self, scope: Scope, title: str) -> str:
        title = " ".join(self._clean(scope, title).split())[:TITLE_CHARS]
        return title or "New chat"

    def sessions(self, scope: Scope, search: str = "") -> list[ChatSession]:
        """Newest first; `search` matches titles and message texts (case-insensitive, literal)."""
        sql = ("SELECT s.id, s.title, s.created, s.updated, (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) "
               "FROM sessions s WHERE s.network = ? AND s.wallet = ?")
        args: tuple[Any, ...] = (scope.network, scope.wallet)
        if search.strip():
            like = "%" + re.sub(r"([\\%_])", r"\\\1", search.strip()) + "%"
            sql += (" AND (s.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id "
                    "AND m.content LIKE ? ESCAPE '\\'))")
            args += (like, like)
        rows = self._read(sql + " ORDER BY s.updated DESC, s.id DESC", args)
        return [ChatSession(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]

    def session(self, scope: Scope, session_id: int) -> ChatSession | None:
        return next((s for s in self.sessions(scope) if s.id == session_id), None)

    def rename_session(self, scope: Scope, session_id: int, title: str) -> bool:
        with self._write() as conn:
            cur = conn.execute("UPDATE sessions SET title = ? WHERE id = ? AND network = ? AND wallet = ?",
                               (self._title(scope, title), session_id, scope.network, scope.wallet))
            return cur.rowcount == 1

    def delete_session(self, scope: Scope, session_id: int) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE id = ? AND network = ? AND wallet = ?",
                               (session_id, scope.network, scope.wallet))
            return cur.rowcount == 1

    def _owned(self, conn: sqlite3.Connection, scope: Scope, session_id: int) -> bool:
        return conn.execute("SELECT 1 FROM sessions WHERE id = ? AND network = ? AND wallet = ?",
                            (session_id, scope.network, scope.wallet)).fetchone() is not None

    def add_messages(self, scope: Scope, session_id: int, items: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
        """Append (role, content, meta) messages together (all or none); [] when the session is not this
        scope's."""
        now = time.time()
        with self._write() as conn:
            if not self._owned(conn, scope, session_id):
                return []
            ids = [int(conn.execute("INSERT INTO messages (session_id, role, content, meta, created) VALUES (?, ?, ?, ?, ?)",
                                    (session_id, role, self._clean(scope, content), self._json(scope, meta), now)).lastrowid or 0)
                   for role, content, meta in items]
            conn.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))
            return ids

    def messages(self, scope: Scope, session_id: int) -> list[StoredMessage]:
        rows = self._read("SELECT m.id, m.role, m.content, m.meta FROM messages m JOIN sessions s ON s.id = m.session_id "
                          "WHERE s.id = ? AND s.network = ? AND s.wallet = ? ORDER BY m.id",
                          (session_id, scope.network, scope.wallet))
        return [StoredMessage(int(r[0]), r[1], r[2], json.loads(r[3])) for r in rows]

    def update_message_meta(self, scope: Scope, message_id: int, meta: dict[str, Any]) -> bool:
        with self._write() as conn:
            cur = conn.execute("UPDATE messages SET meta = ? WHERE id = ? AND session_id IN "
                               "(SELECT id FROM sessions WHERE network = ? AND wallet = ?)",
                               (self._json(scope, meta), message_id, scope.network, scope.wallet))
            return cur.rowcount == 1

    def delete_messages_from(self, scope: Scope, session_id: int, message_id: int = 0) -> int:
        """Delete the session's messages with id >= message_id (0: all of them); how many went."""
        with self._write() as conn:
            if not self._owned(conn, scope, session_id):
                return 0
            return conn.execute("DELETE FROM messages WHERE session_id = ? AND id >= ?", (session_id, message_id)).rowcount

    # ------------------------------------------------------------------ blobs and media
    def _put_blob(self, conn: sqlite3.Connection, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        conn.execute("INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)", (digest, data))
        return digest

    def put_blob(self, data: bytes) -> str | None:
        """Keep `data` under its sha256 (once, however often it is put); None when it holds a token."""
        if holds_secret(data):
            return None
        with self._write() as conn:
            return self._put_blob(conn, data)

    def blob(self, digest: str) -> bytes | None:
        rows = self._read("SELECT data FROM blobs WHERE sha256 = ?", (digest,))
        return bytes(rows[0][0]) if rows else None

    def add_media(self, scope: Scope, kind: str, *, title: str, text: str = "", data: bytes | None = None,
                  meta: dict[str, Any] | None = None) -> int:
        """One gallery image (`data`) or transcript (`text`)."""
        with self._write() as conn:
            digest = self._put_blob(conn, data) if data is not None else None
            cur = conn.execute("INSERT INTO media (network, wallet, kind, title, text, blob, meta, created) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (scope.network, scope.wallet, kind, self._clean(scope, title), self._clean(scope, text), digest,
                                self._json(scope, meta or {}), time.time()))
            return int(cur.lastrowid or 0)

    def media(self, scope: Scope, kinds: Iterable[str], *, limit: int = 100) -> list[StoredMedia]:
        """The newest `limit` items of these kinds, oldest first."""
        kinds = list(kinds)
        marks = ",".join("?" * len(kinds))
        rows = self._read(f"SELECT m.id, m.kind, m.title, m.text, b.data, m.meta, m.created FROM media m "
                          f"LEFT JOIN blobs b ON b.sha256 = m.blob WHERE m.network = ? AND m.wallet = ? "
                          f"AND m.kind IN ({marks}) ORDER BY m.id DESC LIMIT ?",
                          (scope.network, scope.wallet, *kinds, limit))
        return [StoredMedia(int(r[0]), r[1], r[2], r[3], None if r[4] is None else bytes(r[4]), json.loads(r[5]), r[6])
                for r in reversed(rows)]

    def delete_media(self, scope: Scope, media_id: int) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM media WHERE id = ? AND network = ? AND wallet = ?",
                               (media_id, scope.network, scope.wallet))
            conn.execute("DELETE FROM blobs WHERE sha256 NOT IN (SELECT blob FROM media WHERE blob IS NOT NULL)")
            return cur.rowcount == 1

    # ------------------------------------------------------------------ settings and transaction notes
    def set_setting(self, scope: Scope, name: str, value: Any) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO settings (network, wallet, name, value) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (network, wallet, name) DO UPDATE SET value = excluded.value",
                         (scope.network, scope.wallet, name, self._json(scope, value)))

    def settings(self, scope: Scope) -> dict[str, Any]:
        rows = self._read("SELECT name, value FROM settings WHERE network = ? AND wallet = ?", (scope.network, scope.wallet))
        return {name: json.loads(value) for name, value in rows}

    def add_tx_note(self, scope: Scope, tx_hash: str, note: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO tx_notes (network, wallet, tx_hash, note, created) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (network, wallet, tx_hash) DO UPDATE SET note = excluded.note",
                         (scope.network, scope.wallet, tx_hash.lower(), self._json(scope, note), time.time()))

    def tx_notes(self, scope: Scope) -> dict[str, dict[str, Any]]:
        rows = self._read("SELECT tx_hash, note FROM tx_notes WHERE network = ? AND wallet = ?",
                          (scope.network, scope.wallet))
        return {h: json.loads(n) for h, n in rows}


_OPEN: dict[Path, Store] = {}
_OPEN_LOCK = threading.Lock()


def open_store(data_dir: str | os.PathLike[str] | None = None) -> Store:
    """The process's Store for `data_dir` (default: `default_data_dir()`), opened and migrated once."""
    path = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve() / DB_NAME
    with _OPEN_LOCK:
        if path not in _OPEN:
            _OPEN[path] = Store(path)
        return _OPEN[path]

"""TEE response signatures and the store behind `/v1/proxy/signature/{chatID}`."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .ecdsa import key_bytes, personal_sign

SIGNATURE_TTL = 20 * 60  # seconds; the official UI stops offering re-verification after 20 minutes
_MAX_ENTRIES = 100_000


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def response_text(request_body: bytes, response_body: bytes) -> str:
    return f"{sha256_hex(request_body)}:{sha256_hex(response_body)}"


def images_text(request_body: bytes, images: list[bytes]) -> str:
    return f"{sha256_hex(request_body)}:" + ",".join(sha256_hex(i) for i in images)


@dataclass(frozen=True)
class ChatSignature:
    text: str
    signature: str
    signing_address: str

    def as_json(self) -> dict:
        return {"text": self.text, "signature": self.signature,
                "signing_address": self.signing_address, "signing_algo": "ecdsa"}


class ResponseSigner:
    def __init__(self, tee_key: str, tee_address: str) -> None:
        self._key = key_bytes(tee_key)
        self.address = tee_address

    def sign(self, text: str) -> ChatSignature:
        return ChatSignature(text=text, signature=personal_sign(self._key, text.encode()),
                             signing_address=self.address)


class SignatureStore:
    """chat id -> signature, kept ``ttl`` seconds (insertion-ordered, so expiry pops from the front)."""

    def __init__(self, ttl: float = SIGNATURE_TTL) -> None:
        self.ttl = ttl
        self._items: OrderedDict[str, tuple[float, ChatSignature]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, chat_id: str, sig: ChatSignature) -> None:
        now = time.monotonic()
        with self._lock:
            self._items[chat_id.lower()] = (now + self.ttl, sig)
            self._items.move_to_end(chat_id.lower())
            while self._items:
                first = next(iter(self._items.values()))
                if first[0] > now and len(self._items) <= _MAX_ENTRIES:
                    break
                self._items.popitem(last=False)

    def get(self, chat_id: str) -> ChatSignature | None:
        item = self._items.get(chat_id.lower())
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]

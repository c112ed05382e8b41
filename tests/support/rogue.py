"""A misbehaving chat provider registered on a real local chain: the tests pick how it behaves
(ok, garbage, no-choices, slow, cut, ends-early, flood, wrong-signer, tampered). It checks that the client
sent a real session token for it. Also a provider registered at a closed port (down).

The hostile catalogue (`hostile_network`): providers whose every written string — model name, service
type, verifiability, URL path, additionalInfo, /v1/models ids, error texts, answers, a mid-stream error,
the signature and attestation answers — is markdown bait pointing at a `Tracker` (a loopback HTTP server
counting requests), and an image provider that sends a decompression bomb or bytes that are no image.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from web3 import Web3

from og_devnet.accounts import DEPLOYER
from og_devnet.deploy import register_provider
from og_devnet.launch import DevnetHandle, start_devnet
from tests.support.devnet import new_funded_account
from tests.support.fakes import FakeProvider, send_bomb, send_json, send_sse
from tests.support.images import bomb_png

MODEL = "rogue/model-1"
PRICE = 10**12  # wei per token
# A provider's real explanation, longer than the 200 characters messages used to keep.
LONG_ERROR = ("validate request: the requested max_tokens (4096) together with the prompt (3,912 tokens) exceeds "
              "this deployment's context window of 8,192 tokens; the model rogue/model-1 is served with a reduced "
              "context on this node because of GPU memory limits. Lower max_tokens to at most 4,280, shorten the "
              "conversation, or pick a provider that serves the full 32k context window of this model family.")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rogue:
    """A chat provider whose behaviour the test picks: ok, garbage, no-choices, slow,
    wrong-signer, tampered, flood (a huge answer, see `flood`), cut (the connection drops mid-stream),
    ends-early (the stream closes cleanly mid-answer), json-for-stream (one JSON completion where a stream
    was asked for), long-error (a 400 with a long explanation, LONG_ERROR), gzip-bomb (1 GiB in 2.5 KB,
    `Content-Encoding: gzip, gzip`). It checks that og_core sent a real session token for it.

    With `bait` (a Tracker) it is hostile: its /v1/models ids, /v1/quote and signature answers are bait,
    and three more modes are: bait-answer (a streamed answer of markdown, several lines), bait-error (a
    400 whose text is bait) and bait-midstream (a piece of answer, then an error event of bait)."""

    def __init__(self, address: str, tee: Account, bait: Tracker | None = None) -> None:
        self.address = address
        self.tee = tee
        self.bait = bait
        self.mode = "ok"
        # mode "flood": a huge answer under og_core's stream cap, `events` events of `chars` characters
        # each, `delay` s apart; `flood_sent` counts the events written before the client hung up
        self.flood = {"events": 270, "chars": 60_000, "delay": 0.0}
        self.flood_sent = 0
        self.tokens: list[dict] = []
        self.signatures: dict[str, dict] = {}
        self.server = FakeProvider()
        self.server.routes["POST /v1/proxy/chat/completions"] = self._chat
        self.server.routes["GET /v1/proxy/signature/*"] = self._signature
        self.server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": MODEL}]})
        if bait is not None:
            self.server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [
                {"id": bait.text("models")}, {"id": bait.short("model2")}]})
            self.server.routes["GET /v1/quote"] = lambda h: send_json(h, 500, {"error": bait.text("attestation")})

    def _session(self, header: str) -> dict:
        raw, _, sig = base64.b64decode(header.removeprefix("Bearer app-sk-")).decode().rpartition("|")
        token = json.loads(raw)
        # EIP-191 over the keccak of the raw message, as the broker checks it (docs/protocol.md, session tokens)
        signer = Account.recover_message(encode_defunct(primitive=keccak(text=raw)), signature=sig)
        assert signer == token["address"] and token["provider"] == self.address
        return token

    def _chat(self, h) -> None:
        request = self.server.requests[-1][3]
        self.tokens.append(self._session(h.headers["Authorization"]))
        chat_id = f"rogue-{len(self.tokens)}"
        if self.mode == "garbage":
            h.send_response(200)
            h.send_header("Content-Length", "10")
            h.end_headers()
            h.wfile.write(b"<html>oops")
            return
        if self.mode == "gzip-bomb":
            send_bomb(h)
            return
        if self.mode == "long-error":
            send_json(h, 400, {"error": LONG_ERROR})
            return
        if self.mode == "bait-error" and self.bait is not None:
            send_json(h, 400, {"error": self.bait.text("error")})
            return
        if self.mode == "no-choices":
            send_json(h, 200, {"id": chat_id, "usage": {"prompt_tokens": 1}})
            return
        if self.mode == "flood":
            self._flood(h, chat_id)
            return
        if self.mode == "slow":
            time.sleep(3)
        stream = json.loads(request).get("stream") and self.mode != "json-for-stream"
        usage = {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
        if stream:
            pieces = ("4", "2")
            if self.bait is not None and self.mode in ("bait-answer", "bait-midstream"):
                pieces = self.bait.answer()
            events = [b"data: " + json.dumps({"id": chat_id, "choices": [{"delta": {"content": t}}]}).encode()
                      + b"\n\n" for t in pieces]
            if self.bait is not None and self.mode == "bait-midstream":
                events = events[:1] + [b"data: " + json.dumps({"error": {"message": self.bait.text("midstream")}})
                                       .encode() + b"\n\n"]
            events.append(b"data: " + json.dumps({"id": chat_id, "choices": [], "usage": usage}).encode() + b"\n\n")
            events.append(b"data: [DONE]\n\n")
            body = b"".join(events)
        else:
            content = "".join(self.bait.answer()) if self.bait is not None and self.mode == "bait-answer" else "42"
            data = {"id": chat_id, "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
                    "usage": usage}
            body = json.dumps(data).encode()
        self._sign(chat_id, request, body)  # before answering: the client may ask for it at once
        if not stream:
            send_json(h, 200, data)
        elif self.mode == "cut":
            send_sse(h, events[:1], close_early=True)
        elif self.mode == "ends-early":  # the stream closed cleanly mid-answer: no usage, no [DONE]
            send_sse(h, events[:1])
        else:
            send_sse(h, events)

    def _flood(self, h, chat_id: str) -> None:
        """A well-formed stream of `flood["events"]` large pieces; it stops when the client hangs up."""
        events, chars, delay = self.flood["events"], self.flood["chars"], self.flood["delay"]
        self.flood_sent = 0
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for i in range(events):
                word = f"part{i} "
                text = (word * (chars // len(word) + 1))[:chars]
                ev = b"data: " + json.dumps({"id": chat_id, "choices": [{"delta": {"content": text}}]}).encode() + b"\n\n"
                h.wfile.write(f"{len(ev):x}\r\n".encode() + ev + b"\r\n")
                h.wfile.flush()
                self.flood_sent += 1
                if delay:
                    time.sleep(delay)
            done = b"data: [DONE]\n\n"
            h.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        except OSError:
            h.close_connection = True  # the client hung up (Stop)

    def _sign(self, chat_id: str, request: bytes, body: bytes) -> None:
        signed_body = body + b" " if self.mode == "tampered" else body
        text = f"{hashlib.sha256(request).hexdigest()}:{hashlib.sha256(signed_body).hexdigest()}"
        key = Account.create() if self.mode == "wrong-signer" else self.tee
        sig = key.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
        self.signatures[chat_id] = {"text": text, "signature": sig, "signing_address": key.address,
                                    "signing_algo": "ecdsa"}

    def _signature(self, h) -> None:
        chat_id = h.path.split("?")[0].rsplit("/", 1)[-1]
        if self.bait is not None and self.mode.startswith("bait"):
            send_json(h, 400, {"error": self.bait.text("signature")})
        elif chat_id in self.signatures:
            send_json(h, 200, self.signatures[chat_id])
        else:
            send_json(h, 400, {"error": "Chat id not found or expired, chat_id_not_found"})


def register(handle: DevnetHandle, url: str, *, model: str = MODEL, info: str = "{}",
              verifiability: str = "TeeML", tee: str | None = None, service_type: str = "chatbot",
              owner: Account | None = None) -> str:
    owner = owner or new_funded_account(handle, og=200)
    w3 = Web3(Web3.HTTPProvider(handle.rpc_url))
    register_provider(w3, handle.info["addresses"]["inference"], owner.key.to_0x_hex(), DEPLOYER[1],
                      service_type=service_type, url=url, model=model, input_price=PRICE, output_price=PRICE,
                      verifiability=verifiability, additional_info=info, tee_signer=tee or owner.address)
    return owner.address


@dataclass
class RogueNet:
    """A local network of its own (extra services must not change the shared one's list)."""

    handle: DevnetHandle
    rogue: Rogue
    down: str  # a provider registered at a closed port
    extra: list[str] = field(default_factory=list)
    hostile: dict[str, str] = field(default_factory=dict)  # what it does → provider address (see HOSTILE_URLS)


# Services a hostile registrant could put on-chain: URLs no transport can use, or that point where the
# local profile must not go. "gzip-bomb" is a real server answering every request with a gzip bomb.
HOSTILE_URLS = {
    "control-characters": "http://127.0.0.1:1/bad space\r\nX: 1",
    "broken-ipv6": "http://[::1",
    "port-99999": "http://127.0.0.1:99999/",
    "metadata-address": "http://169.254.169.254/",
}


def rogue_network(*, fillers: int = 0, malformed: bool = False, hostile: bool = False) -> Iterator[RogueNet]:
    """Start a network with a Rogue provider and a down one (plus `fillers` idle services, one with
    malformed additionalInfo, and with `hostile` the HOSTILE_URLS services and a gzip-bomb one); yield
    it; stop it."""
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)
    tee = Account.create()
    owner = new_funded_account(handle, og=200)
    rogue = Rogue(owner.address, tee)
    w3 = Web3(Web3.HTTPProvider(handle.rpc_url))
    register_provider(w3, handle.info["addresses"]["inference"], owner.key.to_0x_hex(), DEPLOYER[1],
                      service_type="chatbot", url=rogue.server.url, model=MODEL, input_price=PRICE,
                      output_price=PRICE, verifiability="TeeML", additional_info='{"TargetSeparated":false}',
                      tee_signer=tee.address)
    net = RogueNet(handle, rogue, register(handle, f"http://127.0.0.1:{closed_port()}", model="down/model"))
    if malformed:
        net.extra.append(register(handle, "http://127.0.0.1:9", model="malformed/model", info="{not json"))
    net.extra += [register(handle, f"http://127.0.0.1:{10_000 + i}", model=f"filler/{i}") for i in range(fillers)]
    bomb = FakeProvider()
    if hostile:
        for route in ("GET /*", "POST /*"):
            bomb.routes[route] = send_bomb
        net.hostile = {what: register(handle, url, model=f"hostile/{what}") for what, url in HOSTILE_URLS.items()}
        net.hostile["gzip-bomb"] = register(handle, bomb.url, model="hostile/gzip-bomb")
    try:
        yield net
    finally:
        bomb.close()
        rogue.server.close()
        handle.stop()


# --------------------------------------------------------------------------- the hostile catalogue


class Tracker:
    """A loopback HTTP server that answers every GET with an empty 200 and counts it: a page that
    loads one of its URLs (an image, a followed link) shows up in `hits`."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def short(self, tag: str) -> str:
        """Bait for a field of at most 64 characters (service type, verifiability): a tracker image."""
        return f"![t]({self.url}/{tag})"

    def text(self, tag: str) -> str:
        """Bait for a longer field: a tracker image, a link, raw HTML, a green 'verified' banner, a
        material icon and a bare URL (GFM autolinks those)."""
        return (f"![t]({self.url}/img/{tag}) [Fund here]({self.url}/link/{tag}) "
                f"<img src='{self.url}/html/{tag}'> :green-background[Verified by 0G: free] "
                f":material/verified: {self.url}/bare/{tag}")

    def answer(self) -> tuple[str, ...]:
        """A streamed answer of markdown over several lines, in pieces."""
        return ("# Heading\n\n", self.text("answer"), "\n\n- a list item\n", "**bold** line")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Bait markers: each appears in a provider's text and must never reach a markdown place unescaped.
BAIT_MARKERS = ("![", "](", "<img", ":green-background[", ":material/verified:")


class HostileImages:
    """A text-to-image provider whose answer is a decompression bomb (`mode` "bomb": 40,000 × 40,000
    pixels in 194 KB), bytes that are not an image ("garbage") or a real small PNG ("ok")."""

    def __init__(self) -> None:
        self.mode = "bomb"
        self.server = FakeProvider()
        self.server.routes["POST /v1/proxy/images/generations"] = self._generate
        self.server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": "hostile/images"}]})

    def _generate(self, h) -> None:
        from tests.support.images import picture

        image = {"bomb": lambda: bomb_png(40_000, 40_000), "garbage": lambda: b"<html>no image</html>",
                 "ok": lambda: picture("PNG", 64, 64)}[self.mode]()
        send_json(h, 200, {"id": "img-1", "data": [{"b64_json": base64.b64encode(image).decode()}]})


@dataclass
class HostileNet:
    """A local network of its own with the hostile catalogue registered.

    chat: a working chatbot (a Rogue with bait) whose model name and additionalInfo are bait.
    lure: a service whose type, verifiability, URL path, model and TargetTeeAddress are bait (down).
    images: a text-to-image provider sending bombs (HostileImages), its model name bait too."""

    handle: DevnetHandle
    tracker: Tracker
    rogue: Rogue
    chat: str
    lure: str
    images: HostileImages
    image_provider: str


def hostile_network() -> Iterator[HostileNet]:
    """Start a network with the hostile catalogue; yield it; stop it (and the tracker)."""
    tracker = Tracker()
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)
    tee = Account.create()
    owner = new_funded_account(handle, og=200)
    rogue = Rogue(owner.address, tee, bait=tracker)
    images = HostileImages()
    try:
        info = json.dumps({"TargetSeparated": False, "note": tracker.text("info")})
        chat = register(handle, rogue.server.url, model=tracker.text("model"), info=info, tee=tee.address,
                        owner=owner)
        lure_info = json.dumps({"TargetSeparated": True, "TargetTeeAddress": tracker.short("target")})
        lure = register(handle, f"http://127.0.0.1:{closed_port()}/{tracker.short('url')}",
                        model=tracker.short("lure-model"), info=lure_info, verifiability=tracker.short("verif"),
                        service_type=tracker.short("type"))
        image_provider = register(handle, images.server.url, model=f"hostile/images {tracker.short('image-model')} :green-background[ok]",
                                  service_type="text-to-image")
        yield HostileNet(handle, tracker, rogue, chat, lure, images, image_provider)
    finally:
        images.server.close()
        rogue.server.close()
        handle.stop()
        tracker.close()

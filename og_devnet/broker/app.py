"""The provider broker: one Starlette app per provider, speaking 0G's provider HTTP API (docs/protocol.md)."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from web3 import Web3

from .. import jsonsafe
from . import engine_loader
from .billing import ChatUsage, UnsettledLedger, admission_error, chat_fee, image_fee, stt_fee
from .chainview import AccountState, ChainView, ServiceState
from .config import ENDPOINT_FOR_TYPE, ProviderConfig
from .engine_worker import EngineBusy, EngineCrashed, EngineTimeout, EngineWorkers, worker_count_hint
from .generation import GenerationQueue, QueueFull, Ticket, generate
from .limits import MAX_BODY_BYTES, ConcurrencyCap, RateLimiter, Slot
from .model_card import expired_message, model_object
from .prompt_cache import CacheUse, PromptCache
from .quote import simulated_quote
from .settlement import Settler
from .signing import ResponseSigner, SignatureStore, images_text, response_text
from .tokens import SessionError, SessionToken, TokenVerifier, check_revocation

log = logging.getLogger(__name__)
IMAGE_TTL = 20 * 60
INT64 = range(-(2**63), 2**63)  # OpenAI's seed is an int64
# Bodies above this are checked and parsed in a worker thread, so the event loop keeps serving.
INLINE_JSON_BYTES = 256 * 1024
# What the real broker lets a browser read (protocol: CORS exposes ZG-Res-Key and Retry-After).
EXPOSE_HEADERS = "Provider,content-encoding,ZG-Res-Key,Retry-After"
SAMPLING_RANGES = {"temperature": "from 0 to 2", "top_p": "greater than 0 and at most 1"}


class BrokerError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


def error_response(message: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _text_of(content: Any) -> str:
    """OpenAI content may be a string or a list of parts; the engine wants text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _engine_call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Call an engine; its EngineError (a ValueError: the client's input was unusable) becomes a 400."""
    try:
        return fn(*args, **kw)
    except ValueError as exc:
        raise BrokerError(str(exc)) from None


def _form_int(value: Any) -> Any:
    """A multipart field holding a decimal integer as an int; anything else is returned unchanged."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        try:
            return int(value)
        except ValueError:  # more digits than int() converts: out of any range anyway
            pass
    return value


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in INT64:
        raise BrokerError("invalid request: 'seed' must be an integer")
    return value


class SlotStream(StreamingResponse):
    """A stream that holds a concurrency slot until the response is over, however it ends: finished,
    client gone before or during the stream, cancelled, or a send error. The body generator is closed
    here too, so its cleanup does not wait for the garbage collector (an unstarted one never runs it)."""

    slot: Slot | None = None
    ticket: Ticket | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                try:
                    aclose = getattr(self.body_iterator, "aclose", None)
                    if aclose is not None:
                        await aclose()
                finally:
                    for held in (self.ticket, self.slot):
                        if held is not None:
                            held.release()


class Broker:
    def __init__(self, cfg: ProviderConfig, rpc_url: str, inference_address: str, chain_id: int = 31337,
                 cache_ttl: float = 1.5) -> None:
        self.cfg = cfg
        self.provider = cfg.provider_address
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        self.chain = ChainView(w3, inference_address, self.provider, ttl=cache_ttl)
        self.tokens = TokenVerifier(self.provider)
        self.ledger = UnsettledLedger()
        self.signer = ResponseSigner(cfg.tee_key, cfg.tee_address)
        self.signatures = SignatureStore()
        self.report = simulated_quote(cfg)  # the (simulated) TEE's attestation report, the same every time
        self.images: dict[str, tuple[float, list[bytes]]] = {}
        self.rate = RateLimiter(cfg.rate_limit)
        self.cap = ConcurrencyCap(cfg.max_concurrency)
        self.prompt_cache = PromptCache()
        self.billed_requests = 0  # counts toward cfg.fail_every
        self.settler = Settler(self.chain, self.ledger, cfg.provider_key, cfg.tee_key, chain_id)
        # Imported now: a missing engine stops the broker from starting (no stand-in is ever served).
        self.engine = engine_loader.load(cfg.service_type, cfg.engine)
        # A real model loads here (the local language model), once per broker process.
        self.chat = self.engine(cfg.model, style=cfg.answer_style) if cfg.service_type == "chatbot" else None
        # A blocking engine (a real model) generates in worker threads, one request at a time.
        self.blocking = bool(getattr(self.chat, "blocking", False))
        self.queue = GenerationQueue(cfg.generation_queue) if self.blocking else None
        self.max_images = engine_loader.max_images() if cfg.service_type in ("text-to-image", "image-editing") else 0
        # Speech runs in worker processes (see engine_worker): it holds the interpreter lock for as long
        # as it works, and past the processing limit it must be stopped, which only a process can be.
        self.workers = (EngineWorkers(cfg.service_type, size=worker_count_hint(), limit_s=cfg.engine_limit_s)
                        if cfg.service_type == "speech-to-text" else None)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()

    # ---------- auth, admission, limits ----------
    async def authenticate(self, request: Request) -> tuple[SessionToken, AccountState | str]:
        try:
            token = self.tokens.parse(request.headers.get("authorization"))
            account = await self.chain.account(token.address)
            if isinstance(account, AccountState):
                check_revocation(token, account.generation, account.revoked_bitmap)
            self.tokens.verify_signature(token)
        except SessionError as exc:
            raise BrokerError(f"validate session: {exc}") from None
        return token, account

    async def admit(self, user: str, account: AccountState | str,
                    estimate: Callable[[ServiceState], int]) -> ServiceState:
        service = await self.chain.service()
        msg = admission_error(account, service, estimate(service), self.ledger.fee(user), self.provider)
        if msg is not None:  # maybe stale: re-read like the real broker's SyncUserAccount, then decide
            account = await self.chain.account(user, force=True)
            service = await self.chain.service(force=True)
            msg = admission_error(account, service, estimate(service), self.ledger.fee(user), self.provider)
            if msg is not None:
                raise BrokerError(f"validate request: {msg}")
        return service

    def check_model(self, requested: Any, service: ServiceState) -> None:
        if requested != service.model:  # a multipart field may be a file: show its type, never fail
            shown = json.dumps(requested, default=lambda o: type(o).__name__)
            raise BrokerError(f"model not supported: requested {shown}, accepted: {json.dumps([service.model])}")

    async def read_body(self, request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise BrokerError("request body too large", 413)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BrokerError("request body too large", 413)
            chunks.append(chunk)
        body = b"".join(chunks)
        request._body = body  # lets request.form() parse what we already read
        return body

    async def guarded(self, request: Request, endpoint: str,
                      handler: Callable[[Request, bytes, SessionToken, AccountState | str], Awaitable[Response]]
                      ) -> Response:
        """Common front of every billed endpoint: body limit, service type, session, limits."""
        if self.cfg.endpoint != endpoint:
            raise BrokerError(f"unsupported endpoint: this provider is a {self.cfg.service_type} service and "
                              f"only serves /v1/proxy{self.cfg.endpoint}")
        if self.cfg.card.expired():
            raise BrokerError(expired_message(self.cfg), 410)
        self.billed_requests += 1
        if self.cfg.fail_every and self.billed_requests % self.cfg.fail_every == 0:  # a flaky provider
            raise BrokerError("upstream model unavailable, please retry later", 503, {"Retry-After": "1"})
        body = await self.read_body(request)
        token, account = await self.authenticate(request)
        user = token.address.lower()
        if not self.rate.allow(user):
            raise BrokerError("rate limit exceeded, please retry later", 429,
                              {"Retry-After": "1", **self.rate.headers(user)})
        slot = self.cap.take()
        if slot is None:
            raise BrokerError("provider is busy: too many concurrent requests, please retry later", 503)
        try:
            response = await handler(request, body, token, account)
        except BaseException:
            slot.release()
            raise
        response.headers.update(self.rate.headers(user))
        if isinstance(response, SlotStream):  # the stream releases its slot when the response is over
            response.slot = slot
        else:
            slot.release()
        return response

    # ---------- chat ----------
    async def chat_completions(self, request: Request, body: bytes, token: SessionToken,
                               account: AccountState | str) -> Response:
        req = await self._json_object(body)
        messages = req.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            raise BrokerError("invalid request: 'messages' must be a non-empty list of message objects")
        norm = [{"role": str(m.get("role", "user")), "content": _text_of(m.get("content"))} for m in messages]
        max_tokens = req.get("max_completion_tokens", req.get("max_tokens"))
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                       or max_tokens < 1):
            raise BrokerError("invalid request: 'max_tokens' must be a positive integer")
        sampling = self._sampling_params(req)
        assert self.chat is not None
        prefixes = await self._chat_call(self.chat.prefix_tokens, norm)
        prompt_tokens = prefixes[-1] if self.blocking else self.chat.prompt_tokens(norm)
        cache_use = self.prompt_cache.look_up(token.address, norm, prefixes)
        # Pre-check like the real broker: the input fee of the prompt (the output is billed afterwards).
        service = await self.admit(token.address, account, lambda s: prompt_tokens * s.input_price)
        self.check_model(req.get("model"), service)
        stream = req.get("stream") is True
        if stream:  # the real broker forces usage into streams and signs the body it forwarded
            opts = req.get("stream_options")
            if not isinstance(opts, dict) or "include_usage" not in opts:
                req["stream_options"] = {**(opts if isinstance(opts, dict) else {}), "include_usage": True}
                body = json.dumps(req, separators=(",", ":"), sort_keys=True).encode()
        chat_id = "chatcmpl-" + uuid.uuid4().hex
        created = int(time.time())
        headers = {"ZG-Res-Key": chat_id, "provider": self.provider,
                   "Access-Control-Expose-Headers": EXPOSE_HEADERS}
        pieces = await self._chat_call(self.chat.stream, norm, max_tokens=max_tokens, **sampling)
        ticket = self._ticket()
        if not stream:
            if self.cfg.first_token_delay_s:
                await anyio.sleep(self.cfg.first_token_delay_s)
            text_parts = await self._generate_all(ticket, pieces)
            completion = len(text_parts)
            usage = self._usage(prompt_tokens, completion, cache_use)
            out = _dumps({
                "id": chat_id, "object": "chat.completion", "created": created, "model": service.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(text_parts)},
                             "logprobs": None, "finish_reason": self._finish(completion, max_tokens)}],
                "usage": usage.as_json(),
            })
            self._finish_chat(token.address, chat_id, body, out, usage, service, cache_use)
            return Response(out, media_type="application/json", headers=headers)
        live = generate(ticket, pieces) if ticket is not None else _inline(pieces)
        response = SlotStream(self._sse(live, body, token, service, chat_id, created, prompt_tokens, max_tokens,
                                        cache_use),
                              media_type="text/event-stream",
                              headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        response.ticket = ticket
        return response

    async def _chat_call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """A chat engine call: in a worker thread for a blocking engine (tokenizing a long prompt takes a
        while), inline for the rule-based one."""
        return await self._engine(fn, *args, **kw) if self.blocking else _engine_call(fn, *args, **kw)

    def _ticket(self) -> Ticket | None:
        """A place in the model's queue (blocking engines only); 503 when it is full."""
        if self.queue is None:
            return None
        try:
            return self.queue.take()
        except QueueFull as exc:
            raise BrokerError(f"provider is busy: {exc}, please retry later", 503, {"Retry-After": "5"}) from None

    @staticmethod
    async def _generate_all(ticket: Ticket | None, pieces: Any) -> list[str]:
        if ticket is None:
            return list(pieces)
        try:
            return [piece async for piece in generate(ticket, pieces)]
        except ValueError as exc:
            raise BrokerError(str(exc)) from None
        finally:
            ticket.release()

    @staticmethod
    def _sampling_params(req: dict) -> dict[str, Any]:
        """temperature/top_p as floats and seed as an int64; their ranges are the engine's to check."""
        out: dict[str, Any] = {}
        for name, allowed in SAMPLING_RANGES.items():
            value = req.get(name)
            if value is None:
                continue
            try:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise TypeError
                out[name] = float(value)  # OverflowError for a huge integer
            except (TypeError, OverflowError):
                raise BrokerError(f"invalid request: '{name}' must be a number {allowed}") from None
        if req.get("seed") is not None:
            out["seed"] = _seed(req["seed"])
        return out

    @staticmethod
    def _finish(completion: int, max_tokens: int | None) -> str:
        return "length" if max_tokens is not None and completion >= max_tokens else "stop"

    def _usage(self, prompt_tokens: int, completion: int, cache_use: CacheUse) -> ChatUsage:
        """The usage the engine reports: what of the prompt was read from, and written to, its cache."""
        return ChatUsage(prompt_tokens, completion, cached_tokens=cache_use.cached_tokens,
                         cache_write_tokens=cache_use.write_tokens if self.cfg.cache and self.cfg.cache.write else 0)

    def _finish_chat(self, user: str, chat_id: str, body: bytes, out: bytes, usage: ChatUsage,
                     service: ServiceState, cache_use: CacheUse) -> None:
        """Bill at the tier and cache prices, then let the cache hold this prompt for the next turn."""
        fee = chat_fee(usage, service.input_price, service.output_price, self.cfg.tiers, self.cfg.cache)
        self._finish_billed(user, chat_id, body, out, fee.total)
        self.prompt_cache.store(cache_use)

    async def _sse(self, pieces: AsyncIterator[str], body: bytes, token: SessionToken, service: ServiceState, chat_id: str,
                   created: int, prompt_tokens: int, max_tokens: int | None,
                   cache_use: CacheUse) -> AsyncIterator[bytes]:
        sent: list[bytes] = []
        base = {"id": chat_id, "object": "chat.completion.chunk", "created": created, "model": service.model}

        def event(obj: dict) -> bytes:
            data = b"data: " + _dumps(obj) + b"\n\n"
            sent.append(data)
            return data

        if self.cfg.first_token_delay_s:
            await anyio.sleep(self.cfg.first_token_delay_s)
        yield event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                          "logprobs": None, "finish_reason": None}]})
        completion = 0
        try:
            async for piece in pieces:
                completion += 1
                if not piece:  # a token that ends mid-character: counted, sent with the next one
                    continue
                if self.cfg.stream_pace and completion > 1:
                    await anyio.sleep(self.cfg.stream_pace)
                yield event({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                                  "logprobs": None, "finish_reason": None}]})
        except ValueError as exc:  # engine failure mid-stream: report it in-band, bill what was sent
            yield event({"error": {"message": str(exc), "type": "engine_error"}})
        finally:
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:  # ends a generation whose client went away, and frees its turn
                with anyio.CancelScope(shield=True):
                    await aclose()
        yield event({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None,
                                          "finish_reason": self._finish(completion, max_tokens)}]})
        usage = self._usage(prompt_tokens, completion, cache_use)
        yield event({**base, "choices": [], "usage": usage.as_json()})
        done = b"data: [DONE]\n\n"
        sent.append(done)
        # Sign and bill before the last bytes go out, so a client that saw [DONE] finds the signature.
        self._finish_chat(token.address, chat_id, body, b"".join(sent), usage, service, cache_use)
        yield done

    def _finish_billed(self, user: str, chat_id: str, request_body: bytes, response_body: bytes, fee: int,
                       text: str | None = None) -> None:
        text = text if text is not None else response_text(request_body, response_body)
        self.signatures.put(chat_id, self.signer.sign(text))
        self.ledger.add(user, fee, text.encode())

    # ---------- images ----------
    async def image_generations(self, request: Request, body: bytes, token: SessionToken,
                                account: AccountState | str) -> Response:
        req = await self._json_object(body)
        prompt = req.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BrokerError("invalid request: 'prompt' must be a non-empty string")
        n, size, fmt = self._image_params(req.get("n", 1), req.get("size"), req.get("response_format"))
        kw: dict[str, Any] = {"n": n}
        if size:
            kw["size"] = size
        if req.get("seed") is not None:
            kw["seed"] = _seed(req["seed"])
        # The fee is known up front (n images × outputPrice), so admission counts it (docs/protocol.md, admission).
        service = await self.admit(token.address, account, lambda s: image_fee(n, s.output_price))
        self.check_model(req.get("model"), service)
        images = await self._engine(self.engine, prompt, **kw)
        return self._image_response(request, body, token, service, images, fmt)

    async def image_edits(self, request: Request, body: bytes, token: SessionToken,
                          account: AccountState | str) -> Response:
        form = await self._form(request)
        image = form.get("image") or form.get("image[]")
        if not isinstance(image, UploadFile):
            raise BrokerError("invalid request: multipart field 'image' (a file) is required")
        prompt = form.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BrokerError("invalid request: 'prompt' must be a non-empty string")
        n, size, fmt = self._image_params(_form_int(form.get("n", "1")), form.get("size"),
                                          form.get("response_format"))
        service = await self.admit(token.address, account, lambda s: image_fee(n, s.output_price))
        self.check_model(form.get("model"), service)
        data = await image.read()
        out = [await self._engine(self.engine, data, prompt, size=size or None) for _ in range(n)]
        return self._image_response(request, body, token, service, out, fmt)

    def _image_params(self, n: Any, size: Any, fmt: Any) -> tuple[int, str | None, str]:
        """Validated n, size and response_format; n's range is the image engine's."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= self.max_images:
            raise BrokerError(f"invalid request: 'n' must be an integer from 1 to {self.max_images}")
        if size is not None and not isinstance(size, str):
            raise BrokerError("invalid request: 'size' must be a string like 512x512")
        fmt = fmt or "b64_json"
        if fmt not in ("b64_json", "url"):
            raise BrokerError("invalid request: 'response_format' must be b64_json or url")
        return n, size, fmt

    def _image_response(self, request: Request, body: bytes, token: SessionToken, service: ServiceState,
                        images: list[bytes], fmt: str) -> Response:
        key = uuid.uuid4().hex
        if fmt == "url":
            self._store_images(key, images)
            base = str(request.base_url).rstrip("/")
            data = [{"url": f"{base}/v1/proxy/images/{key}/{i}"} for i in range(len(images))]
        else:
            data = [{"b64_json": base64.b64encode(img).decode()} for img in images]
        out = _dumps({"created": int(time.time()), "data": data})
        self._finish_billed(token.address, key, body, out, image_fee(len(images), service.output_price),
                            text=images_text(body, images))
        return Response(out, media_type="application/json", headers=self._res_headers(key))

    def _res_headers(self, key: str) -> dict[str, str]:
        return {"ZG-Res-Key": key, "provider": self.provider,
                "Access-Control-Expose-Headers": EXPOSE_HEADERS}

    def _store_images(self, key: str, images: list[bytes]) -> None:
        now = time.monotonic()
        for k in [k for k, (exp, _) in self.images.items() if exp <= now]:
            del self.images[k]
        self.images[key] = (now + IMAGE_TTL, images)

    async def serve_image(self, request: Request) -> Response:
        item = self.images.get(request.path_params["key"].lower())
        index = request.path_params["index"]
        if item is None or item[0] <= time.monotonic() or not index.isdigit() or int(index) >= len(item[1]):
            raise BrokerError("image not found or expired", 404)
        return Response(item[1][int(index)], media_type="image/png")

    # ---------- speech to text ----------
    async def transcriptions(self, request: Request, body: bytes, token: SessionToken,
                             account: AccountState | str) -> Response:
        form = await self._form(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BrokerError("invalid request: multipart field 'file' (an audio file) is required")
        fmt = form.get("response_format") or "json"
        if fmt not in ("json", "text", "verbose_json"):
            raise BrokerError("invalid request: 'response_format' must be json, text or verbose_json")
        language = form.get("language")
        if language is not None and not isinstance(language, str):
            raise BrokerError("invalid request: 'language' must be a language code like en")
        # The fee depends on the transcript, so only the reserve and unsettled fees are checked first.
        service = await self.admit(token.address, account, lambda s: 0)
        self.check_model(form.get("model"), service)
        audio = await upload.read()
        tr = await self._in_worker(audio, filename=upload.filename, language=language or None)
        usage = {"type": "tokens", "input_tokens": 0, "output_tokens": tr.tokens, "total_tokens": tr.tokens}
        if fmt == "text":
            out, media = tr.text.encode(), "text/plain; charset=utf-8"
        elif fmt == "verbose_json":
            out = _dumps({"task": "transcribe", "language": language or "english", "duration": tr.duration_s,
                          "text": tr.text, "segments": [], "usage": usage})
            media = "application/json"
        else:
            out, media = _dumps({"text": tr.text, "usage": usage}), "application/json"
        key = uuid.uuid4().hex
        self._finish_billed(token.address, key, body, out, stt_fee(tr.tokens, service.output_price))
        return Response(out, media_type=media, headers=self._res_headers(key))

    # ---------- helpers ----------
    @staticmethod
    async def _json_object(body: bytes) -> dict:
        try:  # depth-checked: deep nesting would crash the whole process (see og_devnet.jsonsafe)
            if len(body) <= INLINE_JSON_BYTES:
                obj = jsonsafe.loads(body)
            else:
                obj = await anyio.to_thread.run_sync(jsonsafe.loads, body)
        except ValueError as exc:
            raise BrokerError(f"invalid JSON body: {exc}") from None
        if not isinstance(obj, dict):
            raise BrokerError("invalid JSON body: expected an object")
        return obj

    @staticmethod
    async def _form(request: Request) -> Any:
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise BrokerError("invalid request: expected multipart/form-data")
        try:
            return await request.form(max_part_size=MAX_BODY_BYTES)
        except Exception as exc:  # python-multipart / starlette parse errors
            raise BrokerError(f"invalid multipart form: {getattr(exc, 'detail', exc)}") from None

    @staticmethod
    async def _engine(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return await anyio.to_thread.run_sync(lambda: _engine_call(fn, *args, **kw))

    async def _in_worker(self, *args: Any, **kw: Any) -> Any:
        """Call the engine in a worker process, within the provider's processing limit."""
        workers = self.workers
        assert workers is not None
        try:
            return await anyio.to_thread.run_sync(lambda: _engine_call(workers.call, *args, **kw))
        except EngineBusy:
            raise BrokerError(f"provider is busy: all {workers.size} transcription workers are working, "
                              "please retry later", 503, {"Retry-After": "10"}) from None
        except EngineTimeout:
            raise BrokerError(f"transcription stopped: it did not finish within this provider's "
                              f"{workers.limit_s:g} s processing limit; send a shorter clip", 504) from None
        except EngineCrashed as exc:
            raise BrokerError(f"internal broker error: the speech engine failed ({exc})", 500) from None

    # ---------- unauthenticated / control routes ----------
    async def quote(self, request: Request) -> Response:
        return JSONResponse(self.report)

    async def attestation_report(self, request: Request) -> Response:
        """The model's own TEE report. Like the real broker: a provider without a TEE for the model gets
        501; one whose model runs in the broker's own TEE (TargetSeparated false, as all ours) answers
        with that TEE's report, i.e. the same document as /v1/quote."""
        if self.cfg.verifiability != "TeeML":
            raise BrokerError("LLM attestation report is not available for this provider. "
                              "This service runs without TEE attestation.", 501)
        requested = request.query_params.get("model")
        if requested is not None:  # the SDK's download link carries no model; a wrong one is refused
            self.check_model(requested, await self.chain.service())
        return await self.quote(request)

    async def models(self, request: Request) -> Response:
        svc = self.chain._service[1] if self.chain._service else None
        if svc is None:  # once: later answers use whatever the last chain read was, never waiting on it
            try:
                svc = await self.chain.service()
            except Exception:  # noqa: BLE001 - the chain is down: the config's prices, unacknowledged
                svc = None
        obj = model_object(self.cfg, svc, self.rate.per_minute)
        if self.queue is not None:  # a real model: what it is, and how many requests it takes at once
            obj.update(getattr(self.chat, "facts", {}))
            obj["generation_queue"] = {"generating": 1, "waiting": self.queue.waiting}
        return JSONResponse({"object": "list", "data": [obj]}, headers={"Access-Control-Allow-Origin": "*"})

    async def unsettled_fee(self, request: Request) -> Response:
        token, _ = await self.authenticate(request)
        addr = request.path_params["addr"]
        if token.address.lower() != addr.lower():
            raise BrokerError("forbidden: the session token belongs to another address", 403)
        return JSONResponse({"userAddress": addr, "unsettledFee": str(self.ledger.fee(addr))})

    async def signature(self, request: Request) -> Response:
        sig = self.signatures.get(request.path_params["chat_id"])
        if sig is None:
            raise BrokerError("Chat id not found or expired, chat_id_not_found", 404)
        return JSONResponse(sig.as_json())

    async def settle(self, request: Request) -> Response:
        host = request.client.host if request.client else ""
        if host not in ("127.0.0.1", "::1", "localhost", "testclient"):
            raise BrokerError("devnet controls are local only", 403)
        # A web page the user visits is local too, and may POST here without CORS (a "simple"
        # request); browsers always mark such a request with Origin, programs never need to.
        if request.headers.get("origin") is not None:
            raise BrokerError("devnet controls are refused to web pages", 403)
        settled = await anyio.to_thread.run_sync(self.settler.settle_now)
        return JSONResponse({"settled": settled})

    async def unsupported(self, request: Request) -> Response:
        raise BrokerError("unsupported endpoint")

    async def settle_loop(self) -> None:
        while True:
            await anyio.sleep(self.cfg.settle_interval)
            try:
                await anyio.to_thread.run_sync(self.settler.settle_now)
            except Exception:
                log.exception("periodic settlement of %s failed", self.cfg.name)


async def _inline(pieces: Any) -> AsyncIterator[str]:
    """A fast engine's pieces, pulled on the event loop."""
    for piece in pieces:
        yield piece


def create_app(cfg: ProviderConfig, rpc_url: str, inference_address: str, chain_id: int = 31337,
               cache_ttl: float = 1.5) -> Starlette:
    broker = Broker(cfg, rpc_url, inference_address, chain_id, cache_ttl)

    def billed(endpoint: str, handler: Any) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            return await broker.guarded(request, endpoint, handler)
        return route

    proxy = "/v1/proxy"
    routes = [
        Route("/v1/quote", broker.quote, methods=["GET"]),
        Route("/v1/models", broker.models, methods=["GET"]),
        Route("/v1/proxy/models", broker.models, methods=["GET"]),
        Route("/v1/user/{addr}/unsettledfee", broker.unsettled_fee, methods=["GET"]),
        Route(proxy + ENDPOINT_FOR_TYPE["chatbot"], billed("/chat/completions", broker.chat_completions),
              methods=["POST"]),
        Route(proxy + ENDPOINT_FOR_TYPE["text-to-image"],
              billed("/images/generations", broker.image_generations), methods=["POST"]),
        Route(proxy + ENDPOINT_FOR_TYPE["image-editing"], billed("/images/edits", broker.image_edits),
              methods=["POST"]),
        Route(proxy + ENDPOINT_FOR_TYPE["speech-to-text"],
              billed("/audio/transcriptions", broker.transcriptions), methods=["POST"]),
        Route(proxy + "/images/{key}/{index}", broker.serve_image, methods=["GET"]),
        Route(proxy + "/signature/{chat_id}", broker.signature, methods=["GET"]),
        Route(proxy + "/attestation/report", broker.attestation_report, methods=["GET"]),
        Route(proxy + "/{rest:path}", broker.unsupported,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        Route("/devnet/settle", broker.settle, methods=["POST"]),
    ]

    async def on_broker_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BrokerError)
        return error_response(str(exc), exc.status, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(str(exc.detail), exc.status_code)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected broker error on %s", request.url.path)
        return error_response("internal broker error", 500)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tg:
            if cfg.settle_interval > 0:
                tg.start_soon(broker.settle_loop)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()
                broker.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        BrokerError: on_broker_error, HTTPException: on_http_error, Exception: on_unexpected})
    app.state.broker = broker
    return app


__all__ = ["Broker", "BrokerError", "create_app"]

"""Reading a provider's answer with bounded memory: size caps on the DECODED body, and compressed
bodies decoded incrementally by og_core itself.

httpx decodes each received chunk in full before a caller can count it, so a 2 KB gzip bomb
(`Content-Encoding: gzip, gzip`) becomes gigabytes in one step. Here the raw bytes are read with
`iter_raw` and inflated at most DECODE_STEP bytes at a time, with the cap checked after each step.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

from og_core.errors import ProviderError, ProviderErrorKind

# Response size caps (bytes, decoded): a provider must not be able to exhaust our memory.
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_STREAM_BYTES = 16 * 1024 * 1024
MAX_IMAGE_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_SMALL_BYTES = 1 * 1024 * 1024  # /v1/models, /v1/quote, /signature, /unsettledfee

DECODE_STEP = 64 * 1024  # the most one inflate call may produce
# What og_core asks for, so anything else in Content-Encoding is a provider breaking the protocol.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP, _DEFLATE = ("gzip", "x-gzip"), ("deflate",)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def too_large(cap: int) -> ProviderError:
    return ProviderError(f"The provider's answer is larger than {_size(cap)}; it was refused.",
                         "Ask for less output or pick another provider.", kind=ProviderErrorKind.TOO_LARGE)


def _unreadable(encoding: str) -> ProviderError:
    return ProviderError(f"The provider's answer is compressed in a way this app does not read ({encoding[:60]}).",
                         "Try again or pick another provider.", kind=ProviderErrorKind.GARBAGE,
                         detail=f"Content-Encoding: {encoding[:200]}")


def _encoding(resp: httpx.Response) -> str:
    """The one content coding of `resp` ("" for none). Stacked codings ("gzip, gzip") multiply
    a bomb's ratio and no provider needs them, so they are refused, as are unknown ones."""
    header = ",".join(resp.headers.get_list("content-encoding"))
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    if not codings:
        return ""
    if len(codings) > 1 or codings[0] not in _GZIP + _DEFLATE:
        raise _unreadable(header)
    return codings[0]


class _Inflater:
    """Incremental gzip/deflate decoding, at most DECODE_STEP bytes per step."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in _GZIP
        self._raw_deflate = False
        self._started = False  # some input was accepted: too late to retry as raw deflate
        self._obj = self._new()

    def _new(self) -> zlib._Decompress:
        return zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._obj.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if self._gzip or self._raw_deflate or self._started:
                    raise _unreadable_body(exc) from exc
                # "deflate" is zlib-wrapped by the standard but often raw in practice: retry as raw
                self._raw_deflate = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._started = True
            if out:
                yield out
            if self._obj.eof:
                rest = self._obj.unused_data
                if not rest or not self._gzip:
                    return  # trailing bytes after a deflate stream are ignored, as httpx does
                self._obj = self._new()  # a further gzip member
                data = rest
            else:
                data = self._obj.unconsumed_tail

    def flush(self) -> Iterator[bytes]:
        out = self._obj.flush(DECODE_STEP)
        if out:
            yield out


def _unreadable_body(exc: Exception) -> ProviderError:
    return ProviderError("The provider's compressed answer is damaged.", "Try again or pick another provider.",
                         kind=ProviderErrorKind.GARBAGE, detail=f"{type(exc).__name__}: {exc}")


def decoded_chunks(resp: httpx.Response, cap: int | None) -> Iterator[bytes]:
    """The decoded body of a streamed response, in pieces of at most 64 KiB decoded; refused
    (ProviderError kind too_large) as soon as more than `cap` decoded bytes arrive (None: no
    total cap; the caller counts). The caller closes `resp`."""
    encoding = _encoding(resp)
    declared = resp.headers.get("content-length", "")
    if cap is not None and declared.isdigit() and int(declared) > cap:
        raise too_large(cap)
    inflater = _Inflater(encoding) if encoding else None
    size = 0
    for raw in resp.iter_raw():
        pieces = inflater.feed(raw) if inflater is not None else _split(raw)
        for piece in pieces:
            size += len(piece)
            if cap is not None and size > cap:
                raise too_large(cap)
            yield piece
    if inflater is not None:
        for piece in inflater.flush():
            size += len(piece)
            if cap is not None and size > cap:
                raise too_large(cap)
            yield piece


def _split(raw: bytes) -> Iterator[bytes]:
    for i in range(0, len(raw), DECODE_STEP):
        yield raw[i:i + DECODE_STEP]


def read_capped(resp: httpx.Response, cap: int) -> bytes:
    """The decoded body of a streamed response, refused (ProviderError kind too_large) as soon as
    it passes `cap` bytes, without reading or inflating the rest. The caller closes `resp`."""
    return b"".join(decoded_chunks(resp, cap))

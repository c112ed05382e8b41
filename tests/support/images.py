"""Image bytes for tests: real small pictures, and decompression bombs (a tiny file, a huge picture)."""

from __future__ import annotations

import functools
import io
import struct
import zlib


def picture(fmt: str, width: int, height: int) -> bytes:
    """A real picture in `fmt` (PNG, JPEG, WEBP, GIF…), made with Pillow."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format=fmt)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of width × height: 40,000 × 40,000 (1.6 billion pixels) is ~194 KB."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none" + the packed row
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, grayscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")

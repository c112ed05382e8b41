"""Images from outside (a provider's answer, a user's upload) checked before anything decodes them.

A 40,000 × 40,000 PNG fits in 194 KB and decodes to gigabytes: the format and the size (width ×
height × frames) are read from the header first and held against a pixel budget; only an image
within it is decoded once, in full, so every later use (a page, the gallery, a download) gets bytes
that are known to decode. Formats are the three the app shows and providers send: Pillow's other
decoders (EPS runs Ghostscript, for one) are never reached with outside bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from og_core.errors import OgError, ProviderError

FORMATS = ("PNG", "JPEG", "WEBP")
MAX_PIXELS = 25_000_000  # a 24-megapixel photo (6000 × 4000) fits; decoded as RGBA that is 100 MB


class ImageRejected(OgError):
    """Bytes that are not an image this app decodes, or one above the pixel budget. `reason`
    finishes a sentence about the image: "is not an image this app can read (PNG, JPEG or WebP)"."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The image {reason}.", "Use a PNG, JPEG or WebP picture of at most "
                         f"{MAX_PIXELS:,} pixels.")
        self.reason = reason


@dataclass(frozen=True)
class ImageFacts:
    format: str  # one of FORMATS
    width: int
    height: int
    frames: int


def check_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageFacts:
    """The image's format and size, once its header shows it within `max_pixels` (all frames) and it
    then decodes; ImageRejected otherwise (never a Pillow exception)."""
    from PIL import Image

    if not data:
        raise ImageRejected("is empty")
    try:
        # Image.open reads the header only. It refuses sizes far above Pillow's own (larger) limit
        # itself, with DecompressionBombError; anything else above our budget is refused below.
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            width, height = img.size
            frames = max(1, int(getattr(img, "n_frames", 1)))
            if width <= 0 or height <= 0 or width * height * frames > max_pixels:
                raise ImageRejected(f"is {width:,} × {height:,} pixels{_frames(frames)}, more than the "
                                    f"{max_pixels:,} pixels this app decodes")
            fmt = str(img.format)
            img.load()  # within the budget: decode it all once, so a truncated or corrupt image fails here
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected(f"is far larger than the {max_pixels:,} pixels this app decodes") from exc
    except Exception as exc:  # Pillow's decoders raise many kinds; all mean "not an image"
        raise ImageRejected("is not an image this app can read (PNG, JPEG or WebP)") from exc
    return ImageFacts(fmt, width, height, frames)


def _frames(frames: int) -> str:
    return f" in {frames:,} frames" if frames > 1 else ""


def provider_images(images: Sequence[bytes], who: str) -> tuple[bytes, ...]:
    """A provider's images, each checked (`check_image`); a bad one is a ProviderError in words, so it
    never reaches a page or the gallery. `who`: "The provider local/img at 0x12ab…cd34"."""
    for i, image in enumerate(images):
        try:
            check_image(image)
        except ImageRejected as exc:
            which = "an image" if len(images) == 1 else f"image {i + 1} of {len(images)}"
            raise ProviderError(f"{who} sent {which} that {exc.reason}.", "Try again or pick another provider.",
                                kind="garbage", detail=f"{len(image):,} bytes") from exc
    return tuple(images)

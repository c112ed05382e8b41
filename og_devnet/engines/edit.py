"""Offline image editing: real Pillow operations read from a plain-English instruction.

"make it grayscale and rotate 90 degrees" → grayscale, then a 90° clockwise rotation. Operations
run in the order they appear. Every clause of the instruction must be understood, otherwise the
request fails with the list of supported edits (better than silently ignoring half the request).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

from .errors import EngineError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF", "BMP"}
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_INPUT_PIXELS = 25_000_000  # 5000×5000; larger inputs are refused (decompression-bomb guard)
MAX_OUTPUT_SIDE = 4096
OUTPUT_SIZES = ("256x256", "512x512", "1024x1024")

CAPABILITIES = (
    "grayscale / black and white, sepia, invert, blur, sharpen, "
    "rotate N degrees / left / right / upside down, flip horizontal / vertical (mirror), "
    "brighten / darken (by N%), increase / reduce contrast, saturate / desaturate, "
    "crop to square / center crop (N%), resize to WxH or by N%, "
    "add caption text (in quotes if it contains \"and\", \"then\" or a comma)"
)

# Words that carry no edit of their own ("please make it …").
_FILLER = set(
    """a an the it its it's this that image picture photo pic please make turn convert apply add
    give me my can could would you u to into in by of with more less bit little slightly some also
    just effect filter version look be is should so at for thanks thank pls kindly whole entire
    do then now and very much bit lot style mode degrees degree percent color colour""".split()
)

_NUM = r"(\d+(?:\.\d+)?)"


def _rgb_only(img: Image.Image, fn: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """Apply `fn` to the colour channels and keep any alpha channel untouched."""
    if img.mode == "RGBA":
        rgb, alpha = img.convert("RGB"), img.getchannel("A")
        out = fn(rgb).convert("RGB")
        out.putalpha(alpha)
        return out
    return fn(img).convert("RGB")


def _grayscale(img: Image.Image, _m: re.Match) -> Image.Image:
    return _rgb_only(img, lambda im: im.convert("L"))


def _sepia(img: Image.Image, _m: re.Match) -> Image.Image:
    return _rgb_only(img, lambda im: ImageOps.colorize(im.convert("L"), (40, 26, 13), (255, 240, 192)))


def _invert(img: Image.Image, _m: re.Match) -> Image.Image:
    return _rgb_only(img, ImageOps.invert)


def _blur(img: Image.Image, m: re.Match) -> Image.Image:
    radius = float(m.group("n")) if m.group("n") else max(2.0, max(img.size) / 150)
    if "slight" in m.group(0) or "little" in m.group(0):
        radius /= 2
    return img.filter(ImageFilter.GaussianBlur(min(radius, 50.0)))


def _sharpen(img: Image.Image, _m: re.Match) -> Image.Image:
    return img.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2))


def _fill(img: Image.Image) -> tuple[int, ...]:
    return (0, 0, 0, 0) if img.mode == "RGBA" else (255, 255, 255)


def _rotate(img: Image.Image, m: re.Match) -> Image.Image:
    text = m.group(0)
    if "upside" in text:
        angle = 180.0
    elif m.group("n"):
        angle = float(m.group("n"))
        # Plain "rotate 90" turns clockwise like photo editors; "counterclockwise"/"left" turns back.
        if not re.search(r"counter|anti|left|ccw", text, re.IGNORECASE):
            angle = -angle
    else:
        angle = 90.0 if "left" in text else -90.0
    angle %= 360
    exact = {90.0: Image.Transpose.ROTATE_90, 180.0: Image.Transpose.ROTATE_180, 270.0: Image.Transpose.ROTATE_270}
    if angle in exact:
        return img.transpose(exact[angle])
    if angle == 0:
        return img
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=_fill(img))


def _flip(img: Image.Image, m: re.Match) -> Image.Image:
    if re.search(r"vertical|upside|top|bottom", m.group(0)):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _pct(m: re.Match, default: float) -> float:
    return float(m.group("n")) / 100 if m.group("n") else default


def _brighten(img: Image.Image, m: re.Match) -> Image.Image:
    return _rgb_only(img, lambda im: ImageEnhance.Brightness(im).enhance(1 + _pct(m, 0.3)))


def _darken(img: Image.Image, m: re.Match) -> Image.Image:
    return _rgb_only(img, lambda im: ImageEnhance.Brightness(im).enhance(max(0.0, 1 - _pct(m, 0.3))))


def _contrast(img: Image.Image, m: re.Match) -> Image.Image:
    down = re.search(r"reduce|lower|decrease|less|soften", m.group(0))
    amount = _pct(m, 0.5 if not down else 0.3)
    factor = max(0.0, 1 - amount) if down else 1 + amount
    return _rgb_only(img, lambda im: ImageEnhance.Contrast(im).enhance(factor))


def _saturate(img: Image.Image, m: re.Match) -> Image.Image:
    down = re.search(r"desaturat|less|reduce|lower|mute", m.group(0))
    factor = max(0.0, 1 - _pct(m, 0.5)) if down else 1 + _pct(m, 0.5)
    return _rgb_only(img, lambda im: ImageEnhance.Color(im).enhance(factor))


def _crop(img: Image.Image, m: re.Match) -> Image.Image:
    w, h = img.size
    if m.group("w"):
        cw, ch = min(w, int(m.group("w"))), min(h, int(m.group("h")))
    elif m.group("n"):
        # "crop to 80%" / "center crop 50%" keep that much of each side; "crop (by) 20%" trims 20% off.
        share = min(float(m.group("n")), 100.0) / 100
        centred = re.search(r"\b(?:center|centre|middle)\b", m.group(0), re.IGNORECASE)
        keeps = not m.group("by") and (m.group("to") or m.group("to2") or centred)
        keep = max(share if keeps else 1 - share, 0.1)  # at least 10% of each side stays
        cw, ch = max(1, round(w * keep)), max(1, round(h * keep))
    elif "square" in m.group(0) or w != h:
        cw = ch = min(w, h)
    else:
        cw, ch = round(w * 0.8), round(h * 0.8)  # already square: a modest centre crop
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch))


def _resize(img: Image.Image, m: re.Match) -> Image.Image:
    w, h = img.size
    text = m.group(0)
    if m.group("w"):
        nw, nh = int(m.group("w")), int(m.group("h"))
    elif m.group("n"):
        f = float(m.group("n")) / 100
        nw, nh = round(w * f), round(h * f)
    elif "half" in text:
        nw, nh = w // 2, h // 2
    else:  # double / twice
        nw, nh = w * 2, h * 2
    if not (1 <= nw <= MAX_OUTPUT_SIDE and 1 <= nh <= MAX_OUTPUT_SIDE):
        raise EngineError(f"Resize target {nw}x{nh} is out of range (1–{MAX_OUTPUT_SIDE} pixels per side).")
    return img.resize((nw, nh), Image.Resampling.LANCZOS)


def _caption(img: Image.Image, m: re.Match) -> Image.Image:
    text = (m.group("q1") or m.group("q2") or m.group("q3") or m.group("bare") or "").strip()
    if not text:
        raise EngineError('Put the caption text in quotes, e.g. add caption "Hello 0G".')
    out = img.copy()
    w, h = out.size
    font = ImageFont.load_default(size=max(12, h // 14))
    draw = ImageDraw.Draw(out)
    # Shrink the font until the caption fits the width.
    while draw.textlength(text, font=font) > w * 0.92 and font.size > 8:
        font = ImageFont.load_default(size=int(font.size * 0.85))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    tw, th = right - left, bottom - top
    pad = max(4, th // 3)
    band_top = h - th - 2 * pad
    band = Image.new("RGBA", (w, h - band_top), (0, 0, 0, 150))
    base = out.convert("RGBA")
    base.alpha_composite(band, (0, band_top))
    draw = ImageDraw.Draw(base)
    draw.text(((w - tw) / 2 - left, band_top + pad - top), text, font=font, fill=(255, 255, 255, 255))
    return base if img.mode == "RGBA" else base.convert("RGB")


@dataclass(frozen=True)
class _Op:
    name: str
    pattern: re.Pattern[str]
    apply: Callable[[Image.Image, re.Match], Image.Image]


def _op(name: str, pattern: str, fn: Callable[[Image.Image, re.Match], Image.Image]) -> _Op:
    # Case-insensitive on the original text, so a caption keeps the case the user typed.
    return _Op(name, re.compile(pattern, re.IGNORECASE), fn)


_BY = rf"(?:\s+(?:by|to|of)?\s*(?P<n>{_NUM})\s*(?:%|percent|px|pixels?)?)?"
_WXH = r"(?P<w>\d{1,5})\s*[x×*]\s*(?P<h>\d{1,5})"
OPS: tuple[_Op, ...] = (
    _op("caption", r"(?:caption|text|title|label|watermark|write|says?)\s*[:=]?\s*"
        r"(?:\"(?P<q1>[^\"]*)\"|“(?P<q2>[^”]*)”|'(?P<q3>[^']*)')"
        # Unquoted after caption/title/label/watermark: up to the end, a comma, or "and"/"then"
        # (use quotes for a caption that contains those).
        r"|\b(?:caption|title|label|watermark)\b(?:\s+(?:saying|that\s+says|reading))?\s*[:=]?\s+"
        r"(?P<bare>[^\s,;\"“”'][^,;\"“”]*?)(?=\s*$|\s*[,;]|\s+(?:and|then)\b)", _caption),
    _op("grayscale", r"\b(?:gr[ae]y\s*-?\s*scale|gr[ae]y|black\s*(?:and|&)\s*white|b\s*&\s*w|monochrome?)\b",
        _grayscale),
    _op("sepia", r"\b(?:sepia|vintage|old[- ]fashioned)\b", _sepia),
    _op("invert", r"\b(?:invert(?:ed)?|negative|inverse)\b(?:\s+(?:the\s+)?colou?rs?)?", _invert),
    _op("saturate", rf"\b(?:desaturate|(?:more|less|increase|reduce|lower|boost)\s+(?:the\s+)?saturation|"
        rf"saturate|more\s+(?:vivid|colou?rful)|vivid|mute(?:d)?\s+colou?rs?){_BY}", _saturate),
    _op("blur", rf"\b(?:(?:slightly|little|bit)\s+)?(?:blur(?:red|ry)?|gaussian\s+blur|soften){_BY}", _blur),
    _op("sharpen", r"\b(?:sharpen(?:ed)?|sharper|crisper|crisp)\b", _sharpen),
    _op("rotate", rf"\b(?:rotate[ds]?|turn(?:ed)?|spin)\b(?:\s+(?:it|the\s+image|image|this))?"
        rf"(?:\s+(?:by\s+)?(?P<n>-?{_NUM})\s*(?:°|degrees?|deg)?)?"
        rf"(?:\s+(?:to\s+the\s+)?(?:left|right|(?:counter|anti)[- ]?clockwise|clockwise|ccw|cw))?"
        r"|\bupside[- ]down\b", _rotate),
    _op("flip", r"\b(?:flip(?:ped)?|mirror(?:ed)?|reflect)\b(?:\s+(?:it|the\s+image|image))?"
        r"(?:\s+(?:horizontally|vertically|horizontal|vertical|left[- ]to[- ]right|top[- ]to[- ]bottom|"
        r"upside[- ]down))?", _flip),
    _op("brighten", rf"\b(?:brighten|brighter|lighten|lighter|increase\s+(?:the\s+)?brightness|"
        rf"more\s+bright){_BY}", _brighten),
    _op("darken", rf"\b(?:darken|darker|dim|dimmer|reduce\s+(?:the\s+)?brightness|"
        rf"decrease\s+(?:the\s+)?brightness|less\s+bright){_BY}", _darken),
    _op("contrast", rf"\b(?:(?:increase|boost|more|higher|raise|add|reduce|lower|decrease|less|soften)\s+"
        rf"(?:the\s+)?contrast|contrast(?:\s+(?:up|down))?|high[- ]contrast|punchier){_BY}", _contrast),
    _op("crop", r"(?:\b(?:crop(?:ped)?|trim)\b(?:\s+(?:it|the\s+image|image))?(?:\s+(?P<to>to|into))?"
        r"(?:\s+(?:a\s+|the\s+)?(?:center|centre|square|middle))*(?:\s+(?:crop|square))?"
        r"|\b(?:square|center|centre|middle)\s+crop(?:ped)?\b)"
        rf"(?:\s+(?:to\s+)?{_WXH})?(?:\s+(?:(?P<by>by)\s+|(?P<to2>to)\s+)?(?P<n>{_NUM})\s*(?:%|percent))?", _crop),
    _op("resize", rf"\b(?:resize[ds]?|scale[ds]?|shrink|enlarge|make\s+it)\b(?:\s+(?:it|the\s+image|image))?"
        rf"(?:\s+(?:down|up))?\s+(?:to\s+|by\s+)?(?:{_WXH}|(?P<n>{_NUM})\s*(?:%|percent)|half|double|twice)"
        r"(?:\s+(?:the\s+)?size)?|\b(?:half|double|twice\s+the)\s+(?:the\s+)?size\b", _resize),
)


def _plan(instruction: str) -> list[tuple[_Op, re.Match]]:
    text = instruction.strip()
    found: list[tuple[int, int, _Op, re.Match]] = []
    for op in OPS:
        found += [(m.start(), m.end(), op, m) for m in op.pattern.finditer(text)]
    # Keep the earliest, longest non-overlapping matches.
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    chosen: list[tuple[int, int, _Op, re.Match]] = []
    end = -1
    for start, stop, op, m in found:
        if start >= end:
            chosen.append((start, stop, op, m))
            end = stop
    # Whatever is left over must be filler; otherwise part of the request was not understood.
    leftover = text
    for start, stop, _, _ in reversed(chosen):
        leftover = leftover[:start] + " " + leftover[stop:]
    unknown = [w for w in re.findall(r"[a-z]+", leftover.lower()) if w not in _FILLER]
    if not chosen:
        raise EngineError(f"Unsupported edit instruction {instruction!r}. I can do: {CAPABILITIES}.")
    if unknown:
        raise EngineError(
            f"I don't know how to do this part of the instruction: {' '.join(unknown)!r}. I can do: {CAPABILITIES}."
        )
    return [(op, m) for _s, _e, op, m in chosen]


def _open(image: bytes) -> Image.Image:
    if not image:
        raise EngineError("The uploaded file is empty; upload a PNG, JPEG, WebP or GIF image.")
    if len(image) > MAX_INPUT_BYTES:
        raise EngineError(f"The image is too large (max {MAX_INPUT_BYTES // (1024 * 1024)} MB).")
    try:
        with warnings.catch_warnings():
            # We enforce our own, lower pixel cap right below; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(image))
        if img.format not in ACCEPTED_FORMATS:
            raise EngineError(f"Unsupported image format {img.format}; upload a PNG, JPEG, WebP or GIF image.")
        if img.width * img.height > MAX_INPUT_PIXELS:
            raise EngineError(f"The image is too large ({img.width}x{img.height}); the limit is 25 megapixels.")
        img.seek(0)  # first frame of an animated GIF/WebP
        img.load()
    except EngineError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise EngineError("The uploaded file is not an image (or is corrupt); upload a PNG, JPEG, WebP or GIF.") from exc
    img = ImageOps.exif_transpose(img)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    return img.convert("RGBA" if has_alpha else "RGB")


def _final_size(img: Image.Image, size: str | None) -> Image.Image:
    if size is None or size == "auto":
        return img
    if size not in OUTPUT_SIZES:
        raise EngineError(f"Unsupported size {size!r}; allowed sizes: {', '.join(OUTPUT_SIZES)} (or omit it).")
    w, h = (int(x) for x in size.split("x"))
    return ImageOps.fit(img, (w, h), Image.Resampling.LANCZOS)  # crop to the aspect, then scale


def edit_image(image: bytes, instruction: str, *, size: str | None = None) -> bytes:
    """Apply the edits described in `instruction` to `image`; returns PNG bytes."""
    if not isinstance(instruction, str) or not instruction.strip():
        raise EngineError(f"The edit instruction is empty. I can do: {CAPABILITIES}.")
    if len(instruction) > 1000:
        raise EngineError("The edit instruction is too long (max 1000 characters).")
    steps = _plan(instruction)  # fail on a bad instruction before decoding anything
    img = _open(image)
    for op, m in steps:
        img = op.apply(img, m)
        if max(img.size) > MAX_OUTPUT_SIDE:
            raise EngineError(f"The result would exceed {MAX_OUTPUT_SIDE} pixels per side.")
    img = _final_size(img, size)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=3)
    return buf.getvalue()

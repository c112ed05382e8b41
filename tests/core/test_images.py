"""Images from outside: a provider's answer or a user's upload is checked (format, pixel budget read from
the header, then one full decode) before anything shows it. Issue 8 finding 6: a 194 KB PNG of
40,000 × 40,000 pixels, or bytes that are no image, used to reach the gallery and break its page."""

from __future__ import annotations

import base64
import io
import time

import pytest

from og_core import ImageRejected, ProviderError, check_image
from og_core.images import MAX_PIXELS
from tests.support.fakes import FakeProvider, send_json, service
from tests.support.images import bomb_png, picture


def test_real_pictures_pass_with_their_facts():
    for fmt in ("PNG", "JPEG", "WEBP"):
        facts = check_image(picture(fmt, 64, 48))
        assert (facts.format, facts.width, facts.height, facts.frames) == (fmt, 64, 48, 1)


def test_a_decompression_bomb_is_refused_from_its_header_in_words():
    bomb = bomb_png(40_000, 40_000)
    assert len(bomb) < 300_000  # the audit's file: 194 KB
    started = time.perf_counter()
    with pytest.raises(ImageRejected) as caught:
        check_image(bomb)
    assert time.perf_counter() - started < 1  # nothing was decoded
    assert "more than" in caught.value.reason or "far larger" in caught.value.reason
    # one above our budget but below Pillow's own limit (which only warns there) is refused too
    with pytest.raises(ImageRejected, match="10,000 × 10,000 pixels, more than the 25,000,000"):
        check_image(bomb_png(10_000, 10_000))


@pytest.mark.parametrize("data, words", [
    (b"", "is empty"),
    (b"<html>not an image</html>", "is not an image this app can read"),
    (picture("GIF", 8, 8), "is not an image this app can read"),  # a format the app does not decode
    (picture("PNG", 64, 64)[:60], "is not an image this app can read"),  # truncated: fails the one decode
], ids=["empty", "html", "gif", "truncated-png"])
def test_bytes_that_are_not_an_image_we_decode_are_refused(data, words):
    with pytest.raises(ImageRejected, match=words) as caught:
        check_image(data)
    assert caught.value.message.startswith("The image ") and "PNG, JPEG or WebP" in caught.value.hint


def test_frames_count_against_the_budget():
    from PIL import Image

    frames = [Image.new("RGB", (100, 100), (i, 0, 0)) for i in range(10)]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    assert check_image(out.getvalue()).frames == 10
    with pytest.raises(ImageRejected, match="in 10 frames"):
        check_image(out.getvalue(), max_pixels=99_999)
    assert MAX_PIXELS >= 6000 * 4000  # a 24-megapixel photo still fits


@pytest.fixture
def image_provider():
    server = FakeProvider()
    yield server
    server.close()


def _serve(server: FakeProvider, images: list[bytes]) -> None:
    data = {"data": [{"b64_json": base64.b64encode(img).decode()} for img in images]}
    server.routes["POST /v1/proxy/images/generations"] = lambda h: send_json(h, 200, data)


def _inference(server: FakeProvider):
    import httpx

    from og_core.inference import Inference
    from og_core.safety import UrlGuard
    from tests.support.fakes import FakeAuth

    guard = UrlGuard(local=True)
    return Inference(FakeAuth(), httpx.Client(), guard, None, timeout_s=10)


@pytest.mark.parametrize("bad, words", [
    (bomb_png(40_000, 40_000), "far larger than"),
    (b"GIF89a nonsense", "is not an image this app can read"),
], ids=["bomb", "not-an-image"])
def test_a_bad_provider_image_is_a_provider_error_and_no_result(image_provider, bad, words):
    _serve(image_provider, [picture("PNG", 32, 32), bad])
    svc = service(image_provider.url, service_type="text-to-image")
    with pytest.raises(ProviderError, match=words) as caught:
        _inference(image_provider).generate_images(svc, "a cat", n=2)
    assert caught.value.kind == "garbage" and "image 2 of 2" in caught.value.message


def test_good_provider_images_come_through(image_provider):
    _serve(image_provider, [picture("PNG", 32, 32)])
    svc = service(image_provider.url, service_type="text-to-image")
    result = _inference(image_provider).generate_images(svc, "a cat")
    assert check_image(result.images[0]).width == 32

"""Behaviour of the offline engines behind the local network's providers."""

from __future__ import annotations

import io
import time
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from og_devnet.engines import ChatEngine, EngineError, Transcript, edit_image, generate_images, transcribe
from og_devnet.engines.chat import tokenize

DATA = Path(__file__).resolve().parents[1] / "data"
HELLO_WAV = DATA / "hello_world.wav"
SPOKEN = {"hello", "world", "this", "is", "a", "test", "of", "the", "zero", "g", "network"}


def ask(engine: ChatEngine, question: str, **kw) -> str:
    return "".join(engine.stream([{"role": "user", "content": question}], **kw))


@pytest.fixture(scope="module")
def chat() -> ChatEngine:
    engine = ChatEngine("local/chat-test", seed=7)
    engine.warm_up()
    return engine


def rgb(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB")).astype(int)


# --- chat ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is 2 + 2?", "4"),
        ("what's 3 times 4?", "12"),
        ("(1.5 + 2.25) * 4", "15"),
        ("What is 2^10?", "1024"),
        ("10 divided by 4", "2.5"),
        ("0.1 + 0.2", "0.3"),
        ("two plus three", "5"),
        ("100 - 7 * 3", "79"),
        ("((2+3)*(4-1))/5", "3"),
        ("what is 15% of 200", "30"),
        ("square root of 144", "12"),
        ("-3 + 5", "2"),
        ("what is 1e3 + 1", "1001"),
        ("1.5e2 * 2", "300"),
        ("2.5E-1 + 1", "1.25"),
        ("1e400*10", "1" + "0" * 401),
        ("3 - -2", "5"),
        ("what is 2 * -3", "-6"),
        ("5!", "120"),
        ("What is 0!?", "1"),
        ("what is 2^3!", "64"),
        ("-3! + 1", "-5"),
        ("3! + 4!", "30"),
        ("factorial of 6", "720"),
        ("what is 5 factorial?", "120"),
        ("(2+3)x4", "20"),
    ],
)
def test_chat_arithmetic_is_exact(chat: ChatEngine, question: str, expected: str) -> None:
    answer = ask(chat, question, temperature=0)
    assert answer.split("=")[-1].strip() == expected, answer


def test_chat_arithmetic_edge_cases(chat: ChatEngine) -> None:
    assert "division by zero" in ask(chat, "5 / 0")
    assert "too large" in ask(chat, "9999999999 ^ 99999999")
    assert "≈ 2.333333333" in ask(chat, "7 / 3")
    assert ask(chat, "what is 1e3 + 1").startswith("1e3 + 1 = 1001")  # shown as typed


@pytest.mark.parametrize("question", [
    "1e99999 + 1",  # a number past the digit limit
    "1e-99999 + 1",
    "1e2000 * 1e2000",  # operands within the limit, product past it
    "2 ^ 5000 * 2 ^ 5000",
    "1000!",  # factorials are capped
    "(1e1500)!",
    "1e1999 * 1e1999 * 1e1999 * 1e1999 * 1e1999 * 1e1999 * 1e1999 * 1e1999",
])
def test_chat_arithmetic_refuses_huge_numbers(chat: ChatEngine, question: str) -> None:
    start = time.perf_counter()
    answer = ask(chat, question)
    assert answer.endswith(("is too large for me to compute.", "is too small for me to compute.")), answer
    assert time.perf_counter() - start < 0.5


def test_chat_arithmetic_factorial_edges(chat: ChatEngine) -> None:
    assert "whole number" in ask(chat, "what is 2.5!")
    assert "whole number" in ask(chat, "(-3)!")
    assert "not a real number" in ask(chat, "sqrt(-4)")
    # An exclamation mark after a number in a sentence is not a factorial question.
    assert "120" not in ask(chat, "I just turned 5!")
    assert ask(chat, "Hello! What is 2 + 2?").endswith("= 4")


@pytest.mark.parametrize("question", ["0x1f + 1", "abc1 + 2", "what is 2 + 2abc", "version v2.0 + 1"])
def test_chat_arithmetic_refuses_digits_touching_letters(chat: ChatEngine, question: str) -> None:
    assert "=" not in ask(chat, question) and "≈" not in ask(chat, question)


@pytest.mark.parametrize(
    ("question", "must_contain"),
    [
        ("What is the minimum ledger balance?", "3 OG"),
        ("How much OG do I need to create a ledger?", "3 OG"),
        ("What is the 1 OG reserve?", "1 OG"),
        ("What is 0G Compute?", "marketplace"),
        ("What is a sub-account?", "transferFund"),
        ("What does locked balance mean?", "total − available"),
        ("How do I withdraw my money?", "lock time"),
        ("What does TeeML mean?", "Trusted Execution Environment"),
        ("How do I fund a provider?", "transferFund"),
        ("What can I do in this playground?", "speech-to-text"),
        ("Is this a real network?", "local/"),
        ("Why did my request fail with insufficient balance?", "1 OG reserve"),
        ("I get: user not acknowledge the provider", "first transfer"),
        ("How much does speech-to-text cost?", "transcript's tokens"),
        ("thanks!", "You're welcome"),
        ("Thank you so much", "You're welcome"),
        ("What can you do?", "exact arithmetic"),
        ("What are your capabilities?", "exact arithmetic"),
        ("Tell me about yourself", "not a large language model"),
        ("Introduce yourself", "not a large language model"),
        ("What is 0G Storage?", "I only know 0G Compute"),
        ("What is 0G DA?", "I only know 0G Compute"),
        ("Which chain does 0G Compute run on?", "0G Chain (the EVM-compatible blockchain"),
    ],
)
def test_chat_knowledge_base(chat: ChatEngine, question: str, must_contain: str) -> None:
    assert must_contain in ask(chat, question)


@pytest.mark.parametrize("question", ["what day is it?", "What time is it?", "What is today's date?",
                                      "what year is it", "Is it Monday today?", "What's the date tomorrow?",
                                      "what day of the week is it"])
def test_chat_admits_it_has_no_clock(chat: ChatEngine, question: str) -> None:
    for seed in range(5):  # never a made-up date from the corpus ("Boxing Day"), whatever the sampling
        assert "no clock" in ask(chat, question, seed=seed)


def test_chat_date_trivia_is_not_a_clock_question(chat: ChatEngine) -> None:
    assert ask(chat, "What year was President John F. Kennedy assassinated?", temperature=0) == "1963"


def test_chat_is_honest_about_itself(chat: ChatEngine) -> None:
    answer = ask(chat, "Who are you?")
    assert "local/chat-test" in answer and "not a large language model" in answer


def test_chat_small_talk_and_fallback(chat: ChatEngine) -> None:
    assert ask(chat, "Hello", temperature=0) == "Hi"
    # No made-up fact for an unknown question: it says so, then a Markov sentence.
    answer = ask(chat, "What is the capital of France?")
    assert answer.startswith("I don't have a good answer")
    assert len(answer) > len("I don't have a good answer to that") + 20


@pytest.mark.parametrize("seed", range(40))
def test_chat_fallback_is_prose_not_code(chat: ChatEngine, seed: int) -> None:
    """The corpus also answers with code blocks; their lines must never become a fallback sentence."""
    answer = ask(chat, "Write a haiku about the sea", seed=seed)
    thought = answer.split("from my notes: ", 1)[1]
    assert "`" not in thought and "def " not in thought and "(" not in thought, thought
    assert len(thought.split()) >= 5, thought


def test_chat_stream_pieces_and_token_counts(chat: ChatEngine) -> None:
    pieces = list(chat.stream([{"role": "user", "content": "What is 0G Compute?"}]))
    text = "".join(pieces)
    assert len(pieces) > 20 and chat.count_tokens(text) == len(pieces)
    assert pieces[0] == "0G" and pieces[1] == " Compute"
    sample = "Hello, world! It's 3.5 OG — isn't it?\n  ok "
    assert "".join(tokenize(sample)) == sample
    assert chat.count_tokens("What is 2 + 2?") == 6
    messages = [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "What is 2 + 2?"}]
    assert chat.prompt_tokens(messages) == (3 + 3) + (6 + 3) + 3
    parts = [{"role": "user", "content": [{"type": "text", "text": "What is 2 + 2?"}]}]
    assert chat.prompt_tokens(parts) == 6 + 3 + 3


def test_chat_max_tokens_truncates(chat: ChatEngine) -> None:
    pieces = list(chat.stream([{"role": "user", "content": "What is 0G Compute?"}], max_tokens=5))
    assert pieces == ["0G", " Compute", " is", " 0G's", " decentralised"]


def test_chat_system_prompt_style(chat: ChatEngine) -> None:
    messages = [{"role": "system", "content": "Answer in uppercase and be brief."},
                {"role": "user", "content": "What is 0G Compute?"}]
    answer = "".join(chat.stream(messages))
    assert answer == answer.upper() and answer.endswith(".") and answer.count(". ") == 0


def test_chat_deterministic_for_a_seed(chat: ChatEngine) -> None:
    q = "Tell me a joke"
    assert ask(chat, q, seed=3) == ask(chat, q, seed=3)
    answers = {ask(chat, q, seed=s) for s in range(8)}
    assert len(answers) > 1  # temperature 1 samples among the matches
    assert len({ask(chat, q, seed=s, temperature=0) for s in range(8)}) == 1
    unknown = "xyzzy plugh frobnicate"
    assert ask(chat, unknown, seed=1) == ask(chat, unknown, seed=1)


@pytest.mark.parametrize(
    ("messages", "kwargs"),
    [
        ([], {}),
        ([{"role": "wizard", "content": "hi"}], {}),
        ([{"role": "system", "content": "only a system prompt"}], {}),
        ([{"role": "user", "content": "hi"}], {"max_tokens": 0}),
        ([{"role": "user", "content": "hi"}], {"temperature": 3}),
        ([{"role": "user", "content": "hi"}], {"top_p": 0}),
    ],
)
def test_chat_rejects_bad_requests(chat: ChatEngine, messages: list, kwargs: dict) -> None:
    with pytest.raises(EngineError):
        chat.stream(messages, **kwargs)


def test_chat_is_fast_after_warm_up(chat: ChatEngine) -> None:
    questions = ["What is 2 + 2?", "Hello", "What is the minimum ledger balance?", "Tell me a joke",
                 "xyzzy plugh frobnicate"]
    start = time.perf_counter()
    for _ in range(20):
        for q in questions:
            ask(chat, q)
    per_request_ms = (time.perf_counter() - start) * 1000 / (20 * len(questions))
    assert per_request_ms < 5, per_request_ms  # measured ≈ 0.3 ms on 2 cores


# --- text-to-image ----------------------------------------------------------------------------

def test_image_red_circle_is_red_in_the_centre() -> None:
    [png] = generate_images("a red circle", seed=1)
    px = rgb(png)
    assert px.shape == (512, 512, 3)
    centre = px[206:306, 206:306].reshape(-1, 3)
    red = (centre[:, 0] > 180) & (centre[:, 1] < 80) & (centre[:, 2] < 80)
    assert red.mean() > 0.9
    corner = px[:40, :40].reshape(-1, 3)
    assert not ((corner[:, 0] > 180) & (corner[:, 1] < 80)).any()


def test_image_background_and_counted_shapes() -> None:
    px = rgb(generate_images("three blue squares on a yellow background", size="256x256", seed=2)[0])
    blue = (px[..., 2] > 180) & (px[..., 0] < 80)
    yellowish = (px[..., 0] > 150) & (px[..., 1] > 120) & (px[..., 2] < 100)
    assert 0.15 < blue.mean() < 0.6 and yellowish.mean() > 0.3
    assert _blobs(blue[::4, ::4]) == 3


def _blobs(mask: np.ndarray) -> int:
    """Number of 4-connected True regions (small masks only)."""
    seen = np.zeros_like(mask, dtype=bool)
    count = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        count += 1
        stack = [start]
        seen[start] = True
        while stack:
            y, x = stack.pop()
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
    return count


def test_image_scene_words_change_the_picture() -> None:
    sunset = rgb(generate_images("sunset", size="256x256", seed=1)[0])
    ocean = rgb(generate_images("ocean", size="256x256", seed=1)[0])
    assert sunset[:20].mean(axis=(0, 1))[0] > 200  # warm sky at the top
    assert ocean[-40:].mean(axis=(0, 1))[2] > ocean[-40:].mean(axis=(0, 1))[0] + 60  # blue water below


def test_image_seed_size_and_n() -> None:
    a = generate_images("two green triangles", n=2, size="256x256", seed=5)
    b = generate_images("two green triangles", n=2, size="256x256", seed=5)
    c = generate_images("two green triangles", n=1, size="256x256", seed=6)
    assert a == b and len(a) == 2 and a[0] != a[1] and c[0] != a[0]
    assert Image.open(io.BytesIO(generate_images("a star", size="1024x1024", seed=1)[0])).size == (1024, 1024)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 0}, "1 to 4"), ({"n": 5}, "1 to 4"), ({"size": "300x300"}, "256x256, 512x512, 1024x1024"),
     ({"prompt": "  "}, "empty")],
)
def test_image_rejects_bad_requests(kwargs: dict, message: str) -> None:
    args = {"prompt": "a red circle", **kwargs}
    with pytest.raises(EngineError, match=message):
        generate_images(args.pop("prompt"), **args)


def test_image_is_fast() -> None:
    generate_images("warm up", size="512x512", seed=0)
    start = time.perf_counter()
    generate_images("three red circles and a yellow sun over mountains", size="512x512", seed=1)
    assert time.perf_counter() - start < 0.2


# --- image editing -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def photo() -> bytes:
    """A 320x200 JPEG with a red circle on the left and a blue square on the right."""
    img = Image.new("RGB", (320, 200), (240, 240, 240))
    from PIL import ImageDraw

    d = ImageDraw.Draw(img)
    d.ellipse((20, 50, 120, 150), fill=(220, 30, 30))
    d.rectangle((200, 50, 300, 150), fill=(30, 30, 220))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def test_edit_grayscale(photo: bytes) -> None:
    px = rgb(edit_image(photo, "make it black and white"))
    assert (px[..., 0] == px[..., 1]).all() and (px[..., 1] == px[..., 2]).all()


def test_edit_grayscale_and_rotate(photo: bytes) -> None:
    out = rgb(edit_image(photo, "Make it grayscale and rotate 90 degrees"))
    assert out.shape == (320, 200, 3) and (out[..., 0] == out[..., 2]).all()
    # Clockwise: the blue square (right side; darker than the red circle in gray) ends up at the bottom.
    top, bottom = out[:160].mean(), out[160:].mean()
    assert bottom < top - 10


def test_edit_rotate_left_right_and_angle(photo: bytes) -> None:
    left = rgb(edit_image(photo, "rotate left"))
    right = rgb(edit_image(photo, "rotate right"))
    assert left.shape[:2] == right.shape[:2] == (320, 200)
    assert left[250:, :, 0].mean() > left[250:, :, 2].mean()  # counter-clockwise: circle at the bottom
    assert right[:70, :, 0].mean() > right[:70, :, 2].mean()
    w, h = Image.open(io.BytesIO(edit_image(photo, "rotate 45 degrees"))).size
    assert w > 320 and h > 200


def test_edit_flip_and_invert(photo: bytes) -> None:
    src = rgb(edit_image(photo, "sharpen"))
    mirrored = rgb(edit_image(photo, "flip horizontally"))
    assert mirrored[100, 40:100, 2].mean() > mirrored[100, 40:100, 0].mean()  # blue now on the left
    flipped = rgb(edit_image(photo, "flip vertically"))
    assert flipped.shape == src.shape
    inverted = rgb(edit_image(photo, "invert the colors"))
    original = rgb(edit_image(photo, "resize by 100%"))
    assert np.abs(inverted + original - 255).max() <= 1


def test_edit_tones(photo: bytes) -> None:
    base = rgb(edit_image(photo, "resize by 100%")).mean()
    assert rgb(edit_image(photo, "brighten by 20%")).mean() > base
    assert rgb(edit_image(photo, "darken by 50%")).mean() < base * 0.6
    sepia = rgb(edit_image(photo, "sepia"))
    assert (sepia[..., 0] >= sepia[..., 2]).all()
    blurred = rgb(edit_image(photo, "blur"))
    assert np.abs(np.diff(blurred[100, :, 0])).max() < np.abs(np.diff(rgb(photo_png(photo))[100, :, 0])).max()
    low = rgb(edit_image(photo, "reduce the contrast"))
    assert low.std() < rgb(edit_image(photo, "increase contrast")).std()


def photo_png(photo: bytes) -> bytes:
    return edit_image(photo, "resize by 100%")


def test_edit_crop_resize_caption_and_size(photo: bytes) -> None:
    assert Image.open(io.BytesIO(edit_image(photo, "crop to square"))).size == (200, 200)
    assert Image.open(io.BytesIO(edit_image(photo, "resize to 100x50"))).size == (100, 50)
    assert Image.open(io.BytesIO(edit_image(photo, "half size"))).size == (160, 100)
    assert Image.open(io.BytesIO(edit_image(photo, "sepia", size="256x256"))).size == (256, 256)
    captioned = rgb(edit_image(photo, 'add caption "Hello 0G"'))
    plain = rgb(photo_png(photo))
    assert np.abs(captioned[-20:] - plain[-20:]).mean() > 20  # a dark band with white text at the bottom
    assert np.abs(captioned[:100] - plain[:100]).max() == 0


@pytest.mark.parametrize(("instruction", "size"), [
    ("center crop 50%", (160, 100)),  # keeps the middle half of each side
    ("centre crop 75%", (240, 150)),
    ("crop to 80%", (256, 160)),  # "to": what remains
    ("crop by 20%", (256, 160)),  # "by": what is cut away
    ("crop 30%", (224, 140)),
    ("crop to the center by 25%", (240, 150)),  # "by" trims, even after "to the center"
    ("center crop", (200, 200)),
])
def test_edit_crop_amounts(photo: bytes, instruction: str, size: tuple[int, int]) -> None:
    assert Image.open(io.BytesIO(edit_image(photo, instruction))).size == size


def test_edit_center_crop_keeps_the_middle(photo: bytes) -> None:
    out = rgb(edit_image(photo, "center crop 50%"))
    # The middle of the 320x200 photo (x 80..240) holds the circle's right edge and the square's left.
    assert np.array_equal(out[50], rgb(photo_png(photo))[100, 80:240])


@pytest.mark.parametrize(("instruction", "text"), [
    ("caption hello", "hello"),
    ("add caption Hello 0G", "Hello 0G"),
    ("add a caption: Sunny day", "Sunny day"),
    ("caption hello and make it grayscale", "hello"),
    ('add caption "Hello 0G"', "Hello 0G"),
])
def test_edit_caption_with_or_without_quotes(photo: bytes, instruction: str, text: str) -> None:
    expected = rgb(edit_image(photo, f'add caption "{text}"' + (
        " and make it grayscale" if "grayscale" in instruction else "")))
    captioned = rgb(edit_image(photo, instruction))
    assert np.array_equal(captioned, expected)
    assert np.abs(captioned[-20:] - rgb(photo_png(photo))[-20:]).mean() > 10


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_edit_accepts_formats(fmt: str) -> None:
    img = Image.new("RGBA" if fmt != "GIF" else "RGB", (40, 30), (200, 10, 10))
    buf = io.BytesIO()
    img.save(buf, fmt)
    out = Image.open(io.BytesIO(edit_image(buf.getvalue(), "rotate right")))
    assert out.size == (30, 40)


def test_edit_errors(photo: bytes) -> None:
    with pytest.raises(EngineError, match="not an image"):
        edit_image(b"definitely not an image", "blur")
    with pytest.raises(EngineError, match="I can do: grayscale"):
        edit_image(photo, "draw a cat")
    with pytest.raises(EngineError, match="dragon"):
        edit_image(photo, "blur it and add a dragon")
    with pytest.raises(EngineError, match="allowed sizes"):
        edit_image(photo, "blur", size="300x300")
    # A tiny file that claims to be huge (decompression bomb) is refused before decoding.
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    with pytest.raises(EngineError, match="too large"):
        edit_image(bomb.getvalue(), "blur")


# --- speech-to-text ----------------------------------------------------------------------------

def _encode(samples: np.ndarray, fmt: str, codec: str, rate: int) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        stream.bit_rate = 64_000
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 16_000
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for f in resampler.resample(frame) + resampler.resample(None):
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
    return buf.getvalue()


@pytest.fixture(scope="module")
def hello_samples() -> np.ndarray:
    with wave.open(str(HELLO_WAV)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16_000, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


@pytest.fixture(scope="module")
def wav_transcript() -> Transcript:
    return transcribe(HELLO_WAV.read_bytes(), filename="hello_world.wav", language="en")


def test_transcribe_wav(wav_transcript: Transcript) -> None:
    result = wav_transcript
    assert isinstance(result, Transcript)
    words = result.text.split()
    assert {"hello", "world", "test", "network"} <= set(words), result.text
    assert result.tokens == len(words)
    assert 5.0 < result.duration_s < 5.6


@pytest.mark.parametrize(
    ("fmt", "codec", "rate"),
    [("mp3", "libmp3lame", 16_000), ("ogg", "libopus", 48_000), ("webm", "libopus", 48_000),
     ("ipod", "aac", 16_000), ("flac", "flac", 16_000)],
)
def test_transcribe_other_containers(hello_samples: np.ndarray, fmt: str, codec: str, rate: int) -> None:
    result = transcribe(_encode(hello_samples, fmt, codec, rate))
    assert len(SPOKEN & set(result.text.split())) >= 4, result.text
    assert 5.0 < result.duration_s < 5.7


def test_transcribe_is_deterministic(wav_transcript: Transcript) -> None:
    assert transcribe(HELLO_WAV.read_bytes()).text == wav_transcript.text


def test_transcribe_errors() -> None:
    with pytest.raises(EngineError, match="empty"):
        transcribe(b"")
    with pytest.raises(EngineError, match="Could not decode"):
        transcribe(b"this is not audio" * 50)
    silent = io.BytesIO()
    with wave.open(silent, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(np.zeros(16_000, np.int16).tobytes())
    with pytest.raises(EngineError, match="silent"):
        transcribe(silent.getvalue())
    with pytest.raises(EngineError, match="English"):
        transcribe(HELLO_WAV.read_bytes(), language="fr")


def test_corpus_reader_without_pyyaml_matches_yaml() -> None:
    # PyYAML is not pinned in requirements.txt; the fallback reader must read the simple files alike.
    yaml = pytest.importorskip("yaml")
    from og_devnet.engines.corpus import _simple_conversations, corpus_dir

    text = (corpus_dir() / "greetings.yml").read_text(encoding="utf-8")
    expected = [[str(x).strip() for x in conv] for conv in yaml.safe_load(text)["conversations"]]
    assert _simple_conversations(text) == expected

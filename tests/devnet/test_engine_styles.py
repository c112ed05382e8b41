"""Answer styles of the chat engine: the same prompt gets a different answer from each style, each
recognisably its own, and what every style keeps (exact arithmetic, the system prompt's instructions)."""

from __future__ import annotations

import re

import pytest

from og_devnet.engines.chat import ChatEngine
from og_devnet.engines.styles import STYLES


def ask(style: str, question: str, system: str | None = None) -> str:
    messages = [{"role": "system", "content": system}] if system else []
    return "".join(ChatEngine("local/m", style=style).stream(messages + [{"role": "user", "content": question}]))


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](\s|$)", text))


def test_the_same_question_gets_a_different_answer_from_each_style():
    answers = {style: ask(style, "How do I get a refund?") for style in STYLES}
    assert len(set(answers.values())) == len(STYLES), answers
    plain = answers["plain"]
    assert sentences(answers["concise"]) == 1 and plain.startswith(answers["concise"])
    assert answers["thorough"].startswith(plain) and "In short:" in answers["thorough"]
    assert answers["expert"].startswith(plain) and "InferenceServing" in answers["expert"]


def test_the_expert_knows_0g_from_less_and_stays_on_topic():
    # one weak hint of a 0G topic: below the plain engine's bar, enough for the expert
    assert "session token" not in ask("plain", "any auth?")
    assert "session token" in ask("expert", "any auth?") and "app-sk-" in ask("expert", "any auth?")
    off_topic = ask("expert", "what is the capital of France?")
    assert "tuned for 0G Compute" in off_topic and "Bilbo" not in off_topic
    assert ask("concise", "what is the capital of France?").startswith("I don't know that one.")


def test_every_style_keeps_exact_arithmetic_and_the_system_prompt():
    for style in STYLES:
        assert ask(style, "What is 12 * 7?").startswith("12 * 7 = 84"), style
        assert ask(style, "What is 0G?", system="Answer in uppercase.").isupper(), style
    assert "exactly" in ask("thorough", "What is 12 * 7?")


def test_an_unknown_style_is_refused_when_the_provider_is_made():
    with pytest.raises(ValueError, match="unknown answer style 'poetic'"):
        ChatEngine("local/m", style="poetic")

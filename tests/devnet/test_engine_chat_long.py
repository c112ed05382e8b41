"""The offline chat engine on long prompts: paragraphs get the knowledge-base answer their question
asks for, or an honest short reply — never a Markov sentence that ignores the question."""

from __future__ import annotations

import time

import pytest

from og_devnet.engines import ChatEngine
from og_devnet.engines.knowledge import best_entry


def ask(engine: ChatEngine, question: str, **kw) -> str:
    return "".join(engine.stream([{"role": "user", "content": question}], **kw))


@pytest.fixture(scope="module")
def chat() -> ChatEngine:
    engine = ChatEngine("local/chat-long", seed=7)
    engine.warm_up()
    return engine


@pytest.mark.parametrize(
    ("question", "must_contain"),
    [
        ("Hi there, I'm new to the 0G network and I've been reading the docs for a while. I set up my wallet "
         "yesterday and I have some OG tokens from the faucet. Before I start using any providers, I'd like to "
         "understand how much OG I actually need to put into the ledger to create it, and whether there is a "
         "minimum amount I must transfer to each provider. Could you explain that?", "3 OG to create a ledger"),
        ("So I sent a request to a chatbot provider and it failed. The error said something about insufficient "
         "balance, but I'm pretty sure I have funds in my ledger. I deposited 5 OG this morning. What is going on "
         "and how do I fix it?", "1 OG reserve"),
        ("I want to get my money back out of a provider because I'm done testing. I funded two providers last "
         "week with 3 OG each. How do I withdraw it, and how long does it take before it lands back in my "
         "wallet?", "lock time"),
        ("Can you explain how the TEE verification works for responses? I see a badge saying verified in the "
         "chat page and I'm curious what exactly is checked, and whether I could check it myself with a script.",
         "Trusted Execution Environment"),
        ("Thanks so much for the help earlier, that really cleared things up. Now I'd like to know how the fees "
         "are calculated for a chat request, is it per token?", "prompt_tokens × inputPrice"),
        ("Is this a real network? I'm worried that I might be spending real money here when I click the "
         "buttons, because my wallet shows an OG balance.", "test money"),
        ("My request failed with the error 'user not acknowledge the provider'. I think I already deposited "
         "into my ledger. What should I do?", "first transfer"),
        ("Who are you? I mean, what kind of model are you and where do you run?", "not a large language model"),
    ],
)
def test_long_questions_about_0g_get_the_knowledge_base_answer(chat: ChatEngine, question: str,
                                                               must_contain: str) -> None:
    for seed in range(3):
        assert must_contain in ask(chat, question, seed=seed)


UNKNOWN = [
    "I have been thinking a lot lately about the history of the Roman Empire, especially the period after "
    "Augustus when the empire was at its height. What were the main reasons that historians give for its "
    "eventual decline and fall in the west, and how do those explanations differ from each other?",
    # Words of the knowledge base's triggers ("do you", "what", "can") scattered over sentences must not add up.
    "My grandmother used to make a wonderful apple pie every Sunday and I would really like to recreate it. "
    "She used a lattice crust and some spice I can't remember. Do you have any idea what spices typically go "
    "into a traditional apple pie and how long it should bake?",
    "What is the capital of France? I ask because I'm planning a trip next summer and want to know where to fly.",
    "Please write me a short poem about autumn. Make it rhyme. Then explain what the metaphor in the second "
    "line means.",
    "I need help planning my wedding. What's the best way to keep the budget balanced and which account should "
    "I use to pay the caterer?",
    # A "thanks" in a paragraph is not the point of it, nor is a greeting.
    "What were the main causes of the First World War? Thanks!",
    "Hello! What were the main causes of the First World War and could it have been avoided?",
]


@pytest.mark.parametrize("question", UNKNOWN)
def test_long_unknown_questions_get_an_honest_short_reply(chat: ChatEngine, question: str) -> None:
    answers = {ask(chat, question, seed=seed) for seed in range(4)}
    assert len(answers) == 1  # no sampled filler
    [answer] = answers
    assert "local/chat-long" in answer and "small offline stand-in" in answer
    assert "exact arithmetic" in answer and "0G Compute" in answer  # says what it can answer
    assert "from my notes" not in answer and "You're welcome" not in answer and answer != "Hi"
    assert len(answer) < 400


def test_short_unknown_questions_keep_their_loose_thought(chat: ChatEngine) -> None:
    assert "from my notes: " in ask(chat, "What is the capital of France?")


def test_long_prompts_keep_arithmetic_clock_and_small_talk(chat: ChatEngine) -> None:
    assert "84" in ask(chat, "what is 12 * 7? I need it for my homework, and also please explain how you got it.")
    assert "no clock" in ask(chat, "Can you tell me what time is it right now? I lost my phone.")
    jokes = {ask(chat, "Tell me a joke", seed=s) for s in range(8)}
    assert ask(chat, "Tell me a joke. I need cheering up after a long day.", seed=1) in jokes


def test_long_matching_wants_phrases_in_order_within_a_sentence() -> None:
    # Short questions keep the lenient bag-of-words match…
    assert best_entry("What can you do?")[0].topic == "capabilities"  # type: ignore[union-attr]
    # …a paragraph needs the phrase's words together: "what … do you … do" across it is not "what do you do".
    entry, _ = best_entry("Do you cook? I wonder what people do on Sundays. You can tell me about your week.")
    assert entry is None


def test_a_long_paste_is_still_fast(chat: ChatEngine) -> None:
    text = ("The quick brown fox jumps over the lazy dog near the river bank. " * 400
            + "Which animal jumps over the dog? " + "It was a sunny day and everyone was happy. " * 400)
    start = time.perf_counter()
    answer = ask(chat, text)
    assert time.perf_counter() - start < 1.0  # measured ≈ 0.1 s for 150 kB on 2 cores
    assert "small offline stand-in" in answer

"""On the local network, chat providers answer the same prompt differently (their answer styles), so
Compare shows a real choice: through og_core, as the app asks them."""

from __future__ import annotations

from tests.support.devnet import client_for, funded, new_funded_account, prov

PROMPT = [{"role": "user", "content": "How do I get a refund?"}]


def test_two_providers_with_different_styles_give_different_answers(devnet):
    with client_for(devnet, new_funded_account(devnet)) as c:
        funded(devnet, c, "chat-tee")
        c.execute(c.plan_fund_provider(prov(devnet, "chat-lite"), "2"))
        expert = c.chat(prov(devnet, "chat-tee"), PROMPT, max_tokens=600).text
        concise = c.chat(prov(devnet, "chat-lite"), PROMPT, max_tokens=600).text
    assert expert != concise
    assert concise == "Getting money back from a provider takes two steps and a lock time."
    assert expert.startswith(concise) and "InferenceServing" in expert and len(expert) > 4 * len(concise)

"""Broker pieces without a chain: engines load at start-up (no stand-ins), the head-block clock, and the
bounded account cache."""

from __future__ import annotations

import secrets
import sys
import threading
from typing import Any

import anyio
import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from og_devnet.broker import ProviderConfig, create_app, engine_loader
from og_devnet.broker.chainview import (
    ACCOUNT_NOT_EXIST,
    MAX_CACHED_ACCOUNTS,
    AccountState,
    BlockClock,
    ChainView,
)

DEAD_RPC = "http://127.0.0.1:9"  # nothing listens: these tests must not need a chain
INFERENCE = "0x" + "11" * 20


def _cfg(service_type: str, model: str) -> ProviderConfig:
    return ProviderConfig(name="t", provider_key=Account.create().key.to_0x_hex(),
                          tee_key=Account.create().key.to_0x_hex(), service_type=service_type, model=model,
                          input_price=0, output_price=1, settle_interval=0)


# ---------------------------------------------------------------- engines: real or nothing

def test_a_broker_whose_engine_cannot_be_imported_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import og_devnet.engines.stt  # noqa: F401  (loaded, so the monkeypatch restores the real modules)

    for name in ("og_devnet.engines", "og_devnet.engines.stt"):
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "av", None)  # PyAV "not installed"
    with pytest.raises(ImportError, match="av"):
        create_app(_cfg("speech-to-text", "local/stt"), DEAD_RPC, INFERENCE)
    with pytest.raises(ImportError, match="av"):
        engine_loader.load("speech-to-text")


def test_each_service_type_gets_its_real_engine() -> None:
    from og_devnet.engines import ChatEngine, edit_image, generate_images, transcribe

    assert engine_loader.load("text-to-image") is generate_images
    assert engine_loader.load("image-editing") is edit_image
    assert engine_loader.load("speech-to-text") is transcribe
    chat = create_app(_cfg("chatbot", "local/c"), DEAD_RPC, INFERENCE).state.broker.chat
    assert isinstance(chat, ChatEngine)
    assert "".join(chat.stream([{"role": "user", "content": "what is 6 * 7"}])).endswith("= 42")


# ---------------------------------------------------------------- the head-block clock

def test_block_clock_never_answers_with_a_read_that_started_earlier() -> None:
    """A revocation mined just before a request must be seen: callers that arrive while a read is in
    flight wait for the next one — which they all share."""
    gate = threading.Event()
    reads: list[int] = []

    def read() -> int:
        number = 10 + len(reads)
        reads.append(number)
        if number == 10:
            gate.wait(5)  # the first read is slow; the late callers arrive meanwhile
        return number

    clock = BlockClock(read)
    heads: dict[str, int | None] = {}

    async def ask(name: str) -> None:
        heads[name] = await clock.head()

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask, "first")
            await anyio.sleep(0.05)
            for i in range(5):
                tg.start_soon(ask, f"late{i}")
            await anyio.sleep(0.05)
            gate.set()

    anyio.run(main)
    assert heads["first"] == 10
    assert {heads[f"late{i}"] for i in range(5)} == {11}
    assert len(reads) == 2  # five late callers, one read


def test_block_clock_reports_an_unreadable_chain_as_none() -> None:
    def read() -> int:
        raise ConnectionError("chain down")

    assert anyio.run(BlockClock(read).head) is None


# ---------------------------------------------------------------- the account cache

class _FakeGetAccount:
    """getAccount(user, provider).call(block_identifier=…): reverts for strangers, counts calls."""

    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, user: str, provider: str) -> Any:
        outer = self

        class _Call:
            def call(self, block_identifier: Any = "latest") -> tuple:
                outer.calls.append((user, block_identifier))
                if user not in outer.members:
                    raise ContractLogicError("execution reverted", data="0x08ca03ac")
                return (user, provider, 3, 10**18, 0, [], "", True, 0, 1, 0)

        return _Call()


def _view(members: set[str], head: list[int]) -> tuple[ChainView, _FakeGetAccount]:
    view = ChainView(Web3(Web3.HTTPProvider(DEAD_RPC)), INFERENCE, Account.create().address)
    fake = _FakeGetAccount(members)
    view.contract = type("C", (), {"functions": type("F", (), {"getAccount": fake})()})()
    view.clock = BlockClock(lambda: head[0])
    return view, fake


def test_accounts_are_cached_per_block_and_read_at_that_block() -> None:
    member = Account.create().address
    head = [7]
    view, fake = _view({member}, head)

    async def main() -> list[Any]:
        first = await view.account(member)
        second = await view.account(member)  # same head: from the cache
        head[0] = 8  # a block was mined (maybe a revocation): read again, at that block
        third = await view.account(member)
        stranger = await view.account(Account.create().address)
        return [first, second, third, stranger]

    first, second, third, stranger = anyio.run(main)
    assert isinstance(first, AccountState) and first == second == third and first.generation == 1
    assert [block for _, block in fake.calls] == [7, 8, 8]
    assert stranger == ACCOUNT_NOT_EXIST


def test_account_cache_is_bounded_and_keeps_recent_users() -> None:
    member = Account.create().address
    view, fake = _view({member}, [5])
    strangers = ["0x" + secrets.token_hex(20) for _ in range(MAX_CACHED_ACCOUNTS + 50)]

    async def main() -> None:
        await view.account(member)
        for i, user in enumerate(strangers):  # tokens signed by throwaway keys
            await view.account(user)
            if i % 1000 == 0:
                await view.account(member)  # in use: must stay cached
        fake.calls.clear()
        await view.account(member)
        await view.account(strangers[-1])
        await view.account(strangers[0])  # the oldest stranger was evicted: read again

    anyio.run(main)
    assert [user for user, _ in fake.calls] == [Web3.to_checksum_address(strangers[0])]

"""The queue in front of a model that generates one answer at a time (the local language model).

A llama.cpp model instance decodes one sequence at a time, on every core: two generations side by side
would only take turns and both be slow. So requests take a ticket: one generates, at most `waiting`
wait their turn in arrival order, and beyond that the broker answers 503 at once (QueueFull).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import anyio.to_thread

WAITING = 8  # requests that may wait behind the one generating


class QueueFull(Exception):
    """Every place in the queue is taken."""


class GenerationQueue:
    def __init__(self, waiting: int = WAITING) -> None:
        self.waiting = waiting
        self.admitted = 0  # generating + waiting
        self._turn = anyio.Semaphore(1)  # not a Lock: a stream releases it from another task

    def take(self) -> Ticket:
        """A place in the queue, or QueueFull. Call `await ticket.turn()` before generating."""
        if self.admitted >= 1 + self.waiting:
            raise QueueFull(f"its model answers one request at a time and {self.waiting} more are "
                            "already waiting")
        self.admitted += 1
        return Ticket(self)


class Ticket:
    """A place in a GenerationQueue. `release()` is idempotent, so every exit path may call it."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue: GenerationQueue | None = queue
        self._holding = False

    async def turn(self) -> None:
        assert self._queue is not None
        await self._queue._turn.acquire()
        self._holding = True

    def release(self) -> None:
        queue, self._queue = self._queue, None
        if queue is None:
            return
        queue.admitted -= 1
        if self._holding:
            self._holding = False
            queue._turn.release()


async def generate(ticket: Ticket, pieces: Iterator[str]) -> AsyncIterator[str]:
    """Wait for the ticket's turn, then pull the blocking engine's pieces one by one in a worker thread
    (llama.cpp releases the interpreter lock while it decodes, so the broker keeps serving)."""
    done = object()
    try:
        await ticket.turn()
        while (piece := await anyio.to_thread.run_sync(next, pieces, done)) is not done:
            yield piece  # type: ignore[misc]
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:  # cheap and never concurrent: no next() runs any more (not abandoned)
            close()
        ticket.release()

"""The status service's HTTP API: `GET /health` and `GET /models`, as 0G's compute-status service."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .monitor import Monitor


def create_app(monitor: Monitor, go: threading.Event | None = None) -> Starlette:
    """`go`: the checks start once it is set (from another thread: after the network is ready); None =
    at once."""

    async def health(request: Request) -> Response:
        return JSONResponse(monitor.health())

    async def models(request: Request) -> Response:
        return JSONResponse(monitor.model_list())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def checks() -> None:
            while go is not None and not go.is_set():
                await anyio.sleep(0.05)
            await monitor.run()

        async with anyio.create_task_group() as tg:
            tg.start_soon(checks)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    return Starlette(routes=[Route("/health", health, methods=["GET"]), Route("/models", models, methods=["GET"])],
                     lifespan=lifespan)

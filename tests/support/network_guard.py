"""Starting a local network, forbidden: what tests/conftest.py wraps around every test without the
`devnet` marker, so the fast tier cannot start one by accident."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import og_devnet.launch
from og_devnet.chain import ChainNode


class NetworkForbidden(AssertionError):
    """A test without the `devnet` marker tried to start a local network."""


class _NoSpawn:
    """Stands in for og_devnet.launch's `subprocess` module: spawning `python -m og_devnet` fails,
    the rest (TimeoutExpired for a stop) is the real module."""

    def Popen(self, *args, **kwargs):  # noqa: N802
        raise NetworkForbidden("this test starts a local network (python -m og_devnet) but is not marked "
                               "`devnet`: add `pytestmark = pytest.mark.devnet` to its module")

    def __getattr__(self, name: str):
        return getattr(subprocess, name)


def _no_chain(self, *args, **kwargs):
    raise NetworkForbidden("this test starts a local chain (ChainNode) but is not marked `devnet`: add "
                           "`pytestmark = pytest.mark.devnet` to its module")


@contextmanager
def no_networks() -> Iterator[None]:
    """While inside: `python -m og_devnet` cannot be spawned (og_devnet.launch, which og_core's
    networks.py uses too) and no in-process ChainNode can serve."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(og_devnet.launch, "subprocess", _NoSpawn())
        mp.setattr(ChainNode, "start", _no_chain)
        mp.setattr(ChainNode, "serve_forever", _no_chain)
        yield

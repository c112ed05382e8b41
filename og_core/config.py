"""Settings from the environment and `.env` (python-dotenv). The private key never leaves a SecretStr."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from og_core.errors import ConfigError
from og_core.networks import Network


class SecretStr:
    """Holds a secret; repr/str/format never show it. Read it with `get_secret_value()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self):  # refuse pickling (session state dumps, caches)
        raise TypeError("SecretStr cannot be pickled")


@dataclass(frozen=True)
class Settings:
    """What og_core reads from the environment.

    OG_NETWORK local|testnet|mainnet (default local), OG_RPC_URL, PRIVATE_KEY, and optional
    contract overrides OG_LEDGER_ADDRESS / OG_INFERENCE_ADDRESS / OG_FINE_TUNING_ADDRESS, and
    OG_STATUS_URL (a status service instead of the network's own).
    """

    network: Network = Network.LOCAL
    rpc_url: str | None = None
    private_key: SecretStr | None = None
    ledger_address: str | None = None
    inference_address: str | None = None
    fine_tuning_address: str | None = None
    status_url: str | None = None

    @classmethod
    def from_env(cls, env_file: str | os.PathLike[str] | None = ".env") -> Settings:
        """Environment variables win over `.env`; `.env` is read without touching os.environ."""
        file_values: dict[str, str | None] = {}
        if env_file and Path(env_file).is_file():
            file_values = dotenv_values(env_file)

        def get(name: str) -> str | None:
            value = os.environ.get(name)
            if value is None:
                value = file_values.get(name)
            value = value.strip() if value else None
            return value or None

        named = get("OG_NETWORK")
        network = Network.parse(named)
        if network is None:
            raise ConfigError(
                f"OG_NETWORK is “{str(named).lower()}”, which is not a known network.",
                hint=f"Set OG_NETWORK to {Network.listed()}.",
            )
        key = get("PRIVATE_KEY")
        return cls(
            network=network,
            rpc_url=get("OG_RPC_URL"),
            private_key=SecretStr(key) if key else None,
            ledger_address=get("OG_LEDGER_ADDRESS"),
            inference_address=get("OG_INFERENCE_ADDRESS"),
            fine_tuning_address=get("OG_FINE_TUNING_ADDRESS"),
            status_url=get("OG_STATUS_URL"),
        )

"""Local-network controls (faucet, advance time). They exist only on og_devnet's chain RPC
(hardhat-style methods); og_core does not wrap them, so this thin layer uses the client's Web3.
Pages call these functions, never the RPC."""

from __future__ import annotations

from og_core import OgClient, OgError, RpcError, parse_og

FAUCET_MAX_OG = 10_000


def _rpc(client: OgClient, method: str, params: list) -> object:
    if client.network != "local":
        raise OgError("Developer controls exist only on the local network.", "Switch to Local in the sidebar.")
    resp = client.web3.provider.make_request(method, params)
    if "error" in resp:
        raise RpcError(f"The local chain refused {method}.", "Restart the app if the local network is down.",
                       detail=str(resp["error"])[:300])
    return resp.get("result")


def faucet(client: OgClient, amount_og: str) -> int:
    """Add `amount_og` OG to the wallet's balance (local only). Returns the new balance in wei."""
    if client.address is None:
        raise OgError("There is no wallet to fund.", "Pick a demo wallet in the sidebar.")
    wei = parse_og(amount_og, field="Faucet amount")
    if wei > parse_og(str(FAUCET_MAX_OG)):
        raise OgError(f"The faucet gives at most {FAUCET_MAX_OG:,} OG at a time.", "Ask for less.")
    balance = int(client.web3.eth.get_balance(client.address))
    _rpc(client, "hardhat_setBalance", [client.address, hex(balance + wei)])
    return balance + wei


def advance_time(client: OgClient, seconds: int) -> int:
    """Move the local chain's clock forward and mine a block (unlocks refunds). Returns chain time."""
    if seconds <= 0:
        raise OgError("Advance the clock by at least 1 second.", "")
    _rpc(client, "evm_increaseTime", [int(seconds)])
    _rpc(client, "evm_mine", [])
    return int(client.web3.eth.get_block("latest")["timestamp"])


def chain_time(client: OgClient) -> int:
    """Timestamp of the latest block (refund unlock times are in chain time, not wall time)."""
    return int(client.web3.eth.get_block("latest")["timestamp"])

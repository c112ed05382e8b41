"""Helpers shared by the tests (conftest files hold only fixtures and import from here):

- devnet.py        — JSON-RPC calls and fresh funded wallets on a running local network, og_core clients for it
- app.py           — AppTest helpers for the real app.py (open a page, a funded Wallet, confirm a transaction)
- fake_client.py   — an in-memory OgClient for the fast tier's AppTests (no chain, no provider)
- browser.py       — a real `streamlit run` server and Debian's Chromium for the e2e tests
- fakes.py         — a tiny local HTTP server standing in for a provider (no chain)
- rogue.py         — a misbehaving provider registered on a real local chain, and the hostile catalogue
- images.py        — image bytes: small real pictures and decompression bombs
- rpc_proxy.py     — a fault-injecting proxy in front of the chain's JSON-RPC
- contracts.py     — an in-process chain for the contract tests
- tokens.py        — session tokens built exactly as the SDK builds them (broker tests)
- network_guard.py — what keeps a test without the `devnet` marker from starting a network
"""

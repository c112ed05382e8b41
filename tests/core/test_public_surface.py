"""og_core never returns a key or a bearer token through its public API."""

from og_core import OgClient


def test_og_client_has_no_public_way_to_a_bearer_token():
    public = [name for name in dir(OgClient) if not name.startswith("_")]
    assert [name for name in public if "header" in name or "token" in name] == []
    assert callable(OgClient._request_headers)  # kept, private, for bench/client_overhead.py's baseline


def test_the_fast_tiers_fake_client_has_every_public_call_of_og_client():
    """Pages run against tests/support/fake_client.py in the fast tier: a call it lacks would pass there
    and fail for real (or the other way round)."""
    import inspect

    from tests.support.fake_client import FakeClient

    calls = {name for name, member in inspect.getmembers(OgClient) if not name.startswith("_")
             and (callable(member) or isinstance(member, property))} - {"web3"}
    fake = {name for name in dir(FakeClient) if not name.startswith("_")}
    instance_attributes = {"address", "addresses", "chain_id", "network", "rpc_url", "shareable_rpc_url"}  # set in __init__
    assert calls - fake - instance_attributes == set()

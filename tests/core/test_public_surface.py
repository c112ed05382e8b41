"""og_core never returns a key or a bearer token through its public API."""

from og_core import OgClient


def test_og_client_has_no_public_way_to_a_bearer_token():
    public = [name for name in dir(OgClient) if not name.startswith("_")]
    assert [name for name in public if "header" in name or "token" in name] == []
    assert callable(OgClient._request_headers)  # kept, private, for bench/client_overhead.py's baseline

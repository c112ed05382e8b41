"""The SSRF guard: URL checks, and connections that go only to addresses that were checked."""

import socket

import httpcore
import httpx
import pytest

from og_core.discovery import probe_provider
from og_core.errors import ProviderError, UnsafeUrlError
from og_core.inference import Inference
from og_core.safety import PublicOnlyBackend, UrlGuard, install_backend
from og_core.types import VerificationStatus
from og_core.verify import verify_response
from tests.support.fakes import PROVIDER, FakeAuth, FakeProvider, Flood, self_signed_tls, send_json, service


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/", "http://10.1.2.3/",
                                 "http://192.168.0.1/", "http://169.254.169.254/latest", "http://[::1]/",
                                 "http://0.0.0.0/", "ftp://example.com/", "file:///etc/passwd"])
def test_public_profile_refuses_private_targets(url):
    with pytest.raises(UnsafeUrlError):
        UrlGuard(local=False).check(url)


def test_local_profile_allows_loopback_but_not_other_schemes():
    assert UrlGuard(local=True).check("http://127.0.0.1:1/x") == "http://127.0.0.1:1/x"
    with pytest.raises(UnsafeUrlError):
        UrlGuard(local=True).check("file:///etc/passwd")


def test_public_ip_literal_allowed():
    assert UrlGuard(local=False).check("https://8.8.8.8/v1/models")


# --------------------------------------------------------------------------- URLs parsed strictly

BAD_URLS = {
    "http://127.0.0.1:1/bad space\r\nX: 1": "control characters",
    "http://127.0.0.1:1/a\tb": "control characters",
    "http://[::1": "not a valid address",
    "http://127.0.0.1:99999/": "port",
    "http://127.0.0.1:0/": "port",
    "http://127.0.0.1:http/": "port",
    "http://user:secret@127.0.0.1:1/": "user name or password",
    "javascript:alert(1)": "not an http(s) address",
    "http:///path-only": "names no host",
    "": "no URL",
    "http://127.0.0.1:1/" + "a" * 3000: "characters long",
}


@pytest.mark.parametrize("url", list(BAD_URLS))
@pytest.mark.parametrize("local", [True, False])
def test_an_unusable_url_is_refused_in_words_never_with_a_traceback(url, local):
    from og_core.safety import url_problem

    assert BAD_URLS[url] in url_problem(url)
    with pytest.raises(UnsafeUrlError, match=BAD_URLS[url].split()[0]) as info:
        UrlGuard(local=local).check(url)
    assert info.value.hint and "\r" not in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest", "http://10.1.2.3/", "http://192.168.0.1/",
                                 "http://8.8.8.8/", "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/"])
def test_local_profile_contacts_this_computer_only(url):
    with pytest.raises(UnsafeUrlError, match="outside this computer"):
        UrlGuard(local=True).check(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://localhost:1/", "http://[::1]:1/",
                                 "http://127.8.9.10/", "http://[::ffff:127.0.0.1]/"])
def test_local_profile_allows_every_loopback_form(url):
    assert UrlGuard(local=True).check(url) == url


@pytest.mark.parametrize("url", ["http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
                                 "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
                                 "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
                                 "http://[2002:c0a8:1::1]/",  # 6to4 of 192.168.0.1
                                 "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
                                 "http://[::ffff:127.0.0.1]/"])
def test_public_profile_refuses_private_ipv4_inside_ipv6(url):
    with pytest.raises(UnsafeUrlError, match="private or local"):
        UrlGuard(local=False).check(url)


def test_public_profile_allows_a_public_ipv4_behind_nat64():
    assert UrlGuard(local=False).check("http://[64:ff9b::808:808]/")


def test_local_profile_connections_go_to_loopback_only(monkeypatch):
    """A name that passes the check and then resolves to the LAN/metadata address is refused when
    the connection is made, on the local profile too."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "169.254.169.254"])

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "meta.example":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    guard = UrlGuard(local=True)
    url = guard.check("http://meta.example/latest")
    with guard.client(httpx.Timeout(2.0)) as http, pytest.raises(UnsafeUrlError, match="outside this computer"):
        http.get(url)


def test_a_service_with_an_unusable_url_is_a_note_and_every_call_says_why():
    """Discovery, chat, fees, attestation and signatures: a clear OgError or note, no request at all."""
    from og_core.discovery import parse_service
    from og_core.verify import verify_attestation

    url = "http://127.0.0.1:1/bad space\r\nX: 1"
    raw = [PROVIDER, "chatbot", url, 1, 1, 0, "m", "TeeML", "{}", "0x" + "11" * 20, True]
    svc = parse_service(raw)
    assert "control characters" in svc.url_error
    guard = UrlGuard(local=True)
    with guard.client(httpx.Timeout(2.0)) as http:
        health = probe_provider(svc, http, guard)
        assert not health.reachable and health.error == svc.url_error
        inference = Inference(FakeAuth(), http, guard, "0x" + "12" * 20, timeout_s=2)
        with pytest.raises(UnsafeUrlError, match="control characters"):
            inference.chat(svc, [{"role": "user", "content": "hi"}])
        with pytest.raises(UnsafeUrlError, match="control characters"):
            inference.chat_stream(svc, [{"role": "user", "content": "hi"}])
        with pytest.raises(UnsafeUrlError, match="control characters"):
            inference.unsettled_fee(svc)
        assert "control characters" in verify_attestation(svc, http=http, url_guard=guard).reason
        r = verify_response(svc, "c", expected_response_hash=None, http=http, url_guard=guard)
        assert r.status is VerificationStatus.UNAVAILABLE and "control characters" in r.reason
    assert parse_service([*raw[:2], "http://127.0.0.1:1", *raw[3:]]).url_error is None


# --------------------------------------------------------------------------- DNS rebinding

PUBLIC_IP = "93.184.216.34"
REBINDING_HOST = "rebind.example"


@pytest.fixture
def server():
    p = FakeProvider()
    p.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": "m"}]})
    p.routes["GET /v1/proxy/signature/*"] = lambda h: send_json(h, 200, {"text": "a:b", "signature": "0x00"})
    p.routes["POST /v1/proxy/chat/completions"] = lambda h: send_json(h, 200, {"choices": []})
    yield p
    p.close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """REBINDING_HOST resolves to a public IP on its first lookup and to 127.0.0.1 afterwards."""
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != REBINDING_HOST:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        ip = PUBLIC_IP if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def _rebinding_url(server: FakeProvider) -> str:
    return f"http://{REBINDING_HOST}:{server.url.rsplit(':', 1)[1]}"


def test_rebinding_host_cannot_reach_loopback_for_chat(server, rebinding_dns):
    inference = Inference(FakeAuth(), httpx.Client(), UrlGuard(local=False), None, timeout_s=5)
    with pytest.raises(UnsafeUrlError, match="private or local"):
        inference.chat(service(_rebinding_url(server)), [{"role": "user", "content": "hi"}])
    assert len(rebinding_dns) == 2  # the URL check, then the connection's own lookup
    assert server.requests == []


def test_rebinding_host_cannot_reach_loopback_for_verify_and_probe(server, rebinding_dns):
    guard = UrlGuard(local=False)
    with guard.client(httpx.Timeout(5.0)) as http:
        r = verify_response(service(_rebinding_url(server)), "c", expected_response_hash=None, http=http,
                            url_guard=guard)
        assert r.status is VerificationStatus.UNAVAILABLE and "private or local" in r.reason
        rebinding_dns.clear()
        health = probe_provider(service(_rebinding_url(server)), http, guard)
        assert not health.reachable and "private or local" in health.error
    assert server.requests == []


def test_public_profile_tls_checks_the_host_name_not_the_ip(tmp_path, monkeypatch):
    """The connection goes to the checked IP, but SNI, the certificate check and Host use the name."""
    tls, cert = self_signed_tls(tmp_path, "provider.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setattr("og_core.safety.is_public", lambda ip: True)  # loopback stands in for a public host
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **kw: real(
        "127.0.0.1" if host == "provider.example" else host, port, *a, **kw))
    server = FakeProvider(tls)
    server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": "m"}]})
    port = server.url.rsplit(":", 1)[1]
    guard = UrlGuard(local=False)
    try:
        with guard.client(httpx.Timeout(5.0)) as http:
            health = probe_provider(service(f"https://provider.example:{port}"), http, guard)
    finally:
        server.close()
    assert health.reachable, health.error
    assert server.requests[-1][2]["Host"] == f"provider.example:{port}"


def test_local_profile_still_reaches_loopback(server):
    guard = UrlGuard(local=True)
    with guard.client(httpx.Timeout(5.0)) as http:
        assert probe_provider(service(server.url), http, guard).models == ("m",)


def test_public_profile_ignores_proxy_settings(monkeypatch):
    # a proxy would resolve the provider host itself, out of the guard's reach
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert UrlGuard(local=False).client(httpx.Timeout(1.0))._mounts == {}


def test_guard_is_installed_in_httpx_connection_pool(server):
    """install_backend sets httpx/httpcore private attributes (pinned httpx 0.28.1): this fails
    if an upgrade moves them, or if the pool stops connecting through the installed backend."""
    transport = UrlGuard(local=False).transport()
    assert isinstance(transport._pool._network_backend, PublicOnlyBackend)
    local = UrlGuard(local=True).transport()
    with httpx.Client(transport=local) as http, http.stream("GET", server.url + "/v1/models") as resp:
        assert type(resp.extensions["network_stream"]).__name__ == "_DeadlineStream"
        assert isinstance(resp.extensions["network_stream"].get_extra_info("socket"), socket.socket)

    class Moved:
        _pool = object()

    with pytest.raises(RuntimeError, match="cannot install"):
        install_backend(Moved(), httpcore.SyncBackend())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- size caps on GETs

FLOOD = 48 * 1024 * 1024  # far more than the 1 MB cap, and than loopback's socket buffers hold


def _flooded(server: FakeProvider, route: str) -> Flood:
    flood = Flood(FLOOD)
    server.routes[route] = flood
    return flood


def _refused_early(flood: Flood) -> None:
    assert flood.done.wait(10), "the client kept the oversized answer open"
    assert flood.sent < FLOOD // 2, f"{flood.sent} of {FLOOD} bytes were sent before the refusal"


def test_oversized_signature_is_refused_without_reading_it_all(server):
    flood = _flooded(server, "GET /v1/proxy/signature/*")
    with UrlGuard(local=True).client(httpx.Timeout(10.0)) as http:
        r = verify_response(service(server.url), "c", expected_response_hash=None, http=http,
                            url_guard=UrlGuard(local=True))
    assert r.status is VerificationStatus.UNAVAILABLE and "unreasonably large" in r.reason
    _refused_early(flood)


def test_oversized_model_list_is_refused_without_reading_it_all(server):
    flood = _flooded(server, "GET /v1/models")
    with httpx.Client() as http:
        health = probe_provider(service(server.url), http, UrlGuard(local=True), timeout_s=10)
    assert not health.reachable and "unreasonably large" in health.error
    _refused_early(flood)


def test_oversized_unsettled_fee_is_refused_without_reading_it_all(server):
    flood = _flooded(server, "GET /v1/user/*")
    with httpx.Client() as http:
        inference = Inference(FakeAuth(), http, UrlGuard(local=True), "0x" + "12" * 20)
        with pytest.raises(ProviderError) as info:
            inference.unsettled_fee(service(server.url))
    assert info.value.kind == "too_large" and "1 MB" in info.value.message
    _refused_early(flood)


def test_declared_oversize_is_refused_before_reading(server):
    server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": "x" * (2 * 1024 * 1024)})
    with httpx.Client() as http:
        health = probe_provider(service(server.url), http, UrlGuard(local=True), timeout_s=10)
    assert not health.reachable and "unreasonably large" in health.error

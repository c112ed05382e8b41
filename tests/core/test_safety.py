import pytest

from og_core.errors import UnsafeUrlError
from og_core.safety import UrlGuard


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/", "http://10.1.2.3/",
                                 "http://192.168.0.1/", "http://169.254.169.254/latest", "http://[::1]/",
                                 "http://0.0.0.0/", "ftp://example.com/", "file:///etc/passwd"])
def test_public_profile_refuses_private_targets(url):
    with pytest.raises(UnsafeUrlError):
        UrlGuard(allow_private=False).check(url)


def test_local_profile_allows_loopback_but_not_other_schemes():
    assert UrlGuard(allow_private=True).check("http://127.0.0.1:1/x") == "http://127.0.0.1:1/x"
    with pytest.raises(UnsafeUrlError):
        UrlGuard(allow_private=True).check("file:///etc/passwd")


def test_public_ip_literal_allowed():
    assert UrlGuard(allow_private=False).check("https://8.8.8.8/v1/models")

"""The SSRF guard: only http(s) URLs whose host is, and resolves only to, public addresses."""

from __future__ import annotations

import pytest

from dispatch.errors import Invalid
from dispatch.webhooks.targets import blocked_reason, check_target

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"


def fake_dns(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("name does not resolve")
        return table[host]
    return resolve


def refused(url: str, **kwargs) -> Invalid:
    with pytest.raises(Invalid) as caught:
        check_target(url, allow_private=False, **kwargs)
    assert caught.value.field == "url"
    assert caught.value.status == 422
    return caught.value


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.10", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "not publicly routable"),  # carrier-grade NAT
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
])
def test_each_non_public_class_is_named(address, reason):
    assert blocked_reason(address) == reason
    literal = f"[{address}]" if ":" in address else address
    error = refused(f"http://{literal}:8080/hook")
    assert reason in error.detail


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8"])
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None
    literal = f"[{address}]" if ":" in address else address
    target = check_target(f"https://{literal}/hook", allow_private=False)
    assert target.addresses == (address,)


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://93.184.216.34/hook", "http"),
    ("file:///etc/passwd", "http"),
    ("gopher://93.184.216.34/", "http"),
    ("93.184.216.34/hook", "http"),
    ("https://user:secret@93.184.216.34/hook", "credentials"),
    ("https://token@93.184.216.34/hook", "credentials"),
    ("https:///hook", "host"),
    ("https://93.184.216.34:99999/hook", "valid URL"),
    ("https://93.184.216.34/ho ok", "spaces"),
    ("https://[::1/hook", "valid URL"),
])
def test_malformed_or_forbidden_urls(url, words):
    assert words in refused(url).detail


def test_hostname_resolving_to_loopback_is_refused():
    """``localhost`` through the real resolver: a name is judged by where it points."""
    assert "loopback" in refused("http://localhost:8000/hook").detail


def test_hostname_is_refused_if_any_of_its_addresses_is_private():
    dns = fake_dns({"mixed.example": [PUBLIC_V4, "10.0.0.7"]})
    assert "private" in refused("https://mixed.example/hook", resolve=dns).detail


def test_decimal_ip_spelling_is_resolved_and_refused():
    """``2130706433`` is 127.0.0.1 to the resolver; the check sees the address."""
    assert "loopback" in refused("http://2130706433/hook").detail


def test_unresolvable_host_is_refused():
    assert "does not resolve" in refused("https://nowhere.example/hook",
                                         resolve=fake_dns({})).detail


def test_public_hostname_passes_with_all_its_addresses():
    dns = fake_dns({"hooks.example.com": [PUBLIC_V4, PUBLIC_V6]})
    target = check_target("https://hooks.example.com:8443/in", allow_private=False, resolve=dns)
    assert (target.host, target.port, target.scheme) == ("hooks.example.com", 8443, "https")
    assert target.addresses == (PUBLIC_V4, PUBLIC_V6)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost:9/hook",
                                 "http://10.0.0.1/hook", "http://[::1]:9/hook"])
def test_private_targets_are_allowed_when_the_setting_is_on(url):
    target = check_target(url, allow_private=True)
    assert target.addresses


def test_scheme_and_credentials_rules_hold_even_when_private_targets_are_allowed():
    for url in ("ftp://127.0.0.1/x", "http://u:p@127.0.0.1/x"):
        with pytest.raises(Invalid):
            check_target(url, allow_private=True)

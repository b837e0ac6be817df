"""Fixtures for geocoding tests: a local Nominatim stand-in and a loopback-only guard."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from tests.support.local_geocoder import LocalGeocoderStandIn

_LOOPBACK_NAMES = {None, "", "localhost", "127.0.0.1", "::1"}


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse (and fail the test on) any connection or DNS lookup beyond loopback."""
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            attempts.append(f"DNS lookup of {host!r}")
            raise OSError(f"tests may not resolve {host!r}: loopback only")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(f"connection to {address!r}")
            raise OSError(f"tests may not connect to {address!r}: loopback only")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
    if attempts:
        pytest.fail("tried to reach the network beyond loopback: " + "; ".join(attempts))


@pytest.fixture
def stand_in() -> Iterator[LocalGeocoderStandIn]:
    """A running local Nominatim stand-in, stopped after the test."""
    with LocalGeocoderStandIn() as server:
        yield server

"""Where webhooks may be sent: http(s) URLs on public addresses only (the SSRF guard).

A webhook URL is chosen by whoever registers it, and the service then makes requests to
it from inside the network, so an unchecked URL could reach internal services (a
database admin page, the cloud metadata endpoint at 169.254.169.254). Refused: other
schemes, credentials in the URL, and hosts that are (or resolve to) loopback, private,
link-local, multicast, reserved or otherwise not publicly routable addresses, IPv4 and
IPv6 alike, unless ``webhook_allow_private_targets`` is on (tests, development).

The check runs at registration and again before every attempt, and the request is then
sent to the very address that passed (the name is not resolved a second time), so a DNS
answer that changes after the check (DNS rebinding) cannot redirect a delivery inward.
Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from dispatch.errors import Invalid

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses``; raises ``OSError`` when the name does not resolve."""

SCHEMES = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to, in its preferred order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the addresses it may be sent to."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def host_is_address(self) -> bool:
        return _literal(self.host) is not None


def blocked_reason(address: str) -> str | None:
    """Why a webhook may not go to ``address``, or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for reason, hit in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                        ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                        ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if hit:
            return reason
    return None if ip.is_global else "not publicly routable"


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _split(url: str) -> tuple[SplitResult, str, int]:
    """Syntax rules: scheme, no credentials, a host, a valid port (422 naming ``url``)."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise Invalid("url must not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"url is not a valid URL ({exc})", field="url") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Invalid("url must start with http:// or https://", field="url")
    if "@" in parts.netloc:
        raise Invalid("url must not contain credentials (user:password@)", field="url")
    host = parts.hostname or ""
    if not host:
        raise Invalid("url must name a host", field="url")
    if _literal(host) is None:
        try:
            host.encode("idna")
        except UnicodeError:
            raise Invalid("url has an invalid host name", field="url") from None
    return parts, host, port if port is not None else SCHEMES[scheme]


def check_target(url: str, *, allow_private: bool,
                 resolve: Resolver = system_resolver) -> Target:
    """The checked target of ``url``; 422 naming ``url`` when it may not be used."""
    import httpx  # only the delivery path needs it; keeps this module cheap to import

    parts, host, port = _split(url)
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise Invalid(f"url is not a valid URL ({exc})", field="url") from None
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            raise Invalid(f"url host {host!r} does not resolve", field="url") from None
        if not addresses:
            raise Invalid(f"url host {host!r} does not resolve", field="url")
    if not allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                shown = host if literal is not None else f"{host} ({address})"
                raise Invalid(f"url points at a {reason} address: {shown}; only public "
                              "addresses may receive webhooks", field="url", reason=reason)
    return Target(url=url, scheme=parts.scheme.lower(), host=host, port=port,
                  addresses=tuple(addresses))

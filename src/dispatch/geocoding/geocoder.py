"""Turn address text into coordinates through geopy, with a cache in front.

The provider is any geopy service name (``nominatim``, ``photon``, ``googlev3``...) or
``none``, which disables geocoding so that clients must send coordinates. A self-hosted
Nominatim is reached with ``domain`` (``host[:port][/path]``) and ``scheme``; see
:func:`geocoder_from_settings` for building one from a ``scheme://host[:port]`` URL.

Every failure is a :class:`GeocodingError` carrying ``field`` (the input to point at) and
``reason`` (``not_found``, ``unavailable`` or ``disabled``), so the service layer can map
it to a response without knowing geopy. Addresses are personal data: they are logged at
DEBUG level only.
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import math
import re
import threading
import unicodedata
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from geopy.exc import GeocoderNotFound, GeopyError
from geopy.geocoders import get_geocoder_for_service

logger = logging.getLogger(__name__)

NO_PROVIDER = "none"


@dataclass(frozen=True)
class GeocodeResult:
    """One geocoded point: WGS84 degrees, the provider's label and which provider said so."""

    lat: float
    lon: float
    display_name: str
    provider: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"latitude out of range: {self.lat!r}")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"longitude out of range: {self.lon!r}")


class GeocodeCache(Protocol):
    """Where geocoded results are kept, keyed by :func:`normalise_query`.

    Implementations must be safe to call from several threads at once. Misses are not
    cached: only successful results are ``put``.
    """

    def get(self, query: str) -> GeocodeResult | None: ...

    def put(self, query: str, result: GeocodeResult) -> None: ...


class MemoryGeocodeCache:
    """A process-local :class:`GeocodeCache` backed by a dict (unbounded; for tests and CLI)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, GeocodeResult] = {}

    def get(self, query: str) -> GeocodeResult | None:
        with self._lock:
            return self._entries.get(query)

    def put(self, query: str, result: GeocodeResult) -> None:
        with self._lock:
            self._entries[query] = result

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_WHITESPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s,]+$")


def normalise_query(text: str) -> str:
    """The cache key for ``text``: NFKC, casefolded, whitespace collapsed, trailing commas gone.

    >>> normalise_query("  Place du  Casino,\\tMONACO , ,")
    'place du casino, monaco'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _TRAILING.sub("", _WHITESPACE.sub(" ", folded)).strip()


class GeocodingError(Exception):
    """Address text could not be turned into coordinates; ``field`` names the input."""

    reason: ClassVar[str] = "error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class AddressNotFound(GeocodingError):
    """The provider answered, but knows no place for this text."""

    reason = "not_found"


class GeocodingUnavailable(GeocodingError):
    """The provider failed: unreachable, timed out, refused, or answered nonsense."""

    reason = "unavailable"


class GeocodingDisabled(GeocodingError):
    """No provider is configured (``provider="none"``); clients must send coordinates."""

    reason = "disabled"


def _accepts(func: Any, name: str) -> bool:
    params = inspect.signature(func).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _bypasses_proxy(domain: str) -> bool:
    """Whether requests to ``domain`` should go direct: loopback, or listed in ``no_proxy``.

    geopy reads ``http_proxy``/``https_proxy`` but ignores ``no_proxy``, so without this a
    proxy set in the environment would also receive requests meant for a local server.
    """
    host = urlsplit("//" + domain).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    return bool(urllib.request.proxy_bypass_environment(host))


class Geocoder:
    """Address text to :class:`GeocodeResult`, via a cache and then a geopy geocoder.

    Construction checks the configuration (provider name, options the geopy class takes)
    and raises :class:`ValueError` if it is wrong; the geopy instance itself is built on
    the first lookup and shared afterwards. Lookups may run from many threads at once.
    """

    def __init__(
        self,
        provider: str = NO_PROVIDER,
        *,
        domain: str | None = None,
        scheme: str = "https",
        user_agent: str = "dispatch",
        timeout: float = 5.0,
        cache: GeocodeCache | None = None,
        country_codes: str | None = None,
        extra_options: dict[str, Any] | None = None,
    ) -> None:
        self.provider = (provider or NO_PROVIDER).strip().lower()
        self.domain = domain.strip().strip("/") if domain else None
        self.scheme = scheme
        self.user_agent = user_agent
        self.timeout = timeout
        self.cache = cache
        self.country_codes = country_codes or None
        self.extra_options = dict(extra_options or {})
        self._client: Any = None
        self._client_lock = threading.Lock()

        if scheme not in ("http", "https"):
            raise ValueError(f"geocoder scheme must be 'http' or 'https', not {scheme!r}")
        if not timeout > 0:
            raise ValueError(f"geocoder timeout must be positive, not {timeout!r}")
        if self.provider == NO_PROVIDER:
            self._cls: type | None = None
            self._kwargs: dict[str, Any] = {}
            return
        try:
            self._cls = get_geocoder_for_service(self.provider)
        except GeocoderNotFound:
            raise ValueError(
                f"unknown geocoder provider {provider!r}: use 'none', 'nominatim' or "
                "another geopy service name (see geopy.geocoders.SERVICE_TO_GEOCODER)"
            ) from None
        self._kwargs = self._constructor_kwargs()
        if self.country_codes and not _accepts(self._cls.geocode, "country_codes"):
            raise ValueError(f"geocoder provider {self.provider!r} does not support country_codes")

    def _constructor_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for the geopy class, checked against its signature."""
        assert self._cls is not None
        init = self._cls.__init__
        kwargs: dict[str, Any] = {"user_agent": self.user_agent, "timeout": self.timeout}
        if self.domain is not None:
            if not _accepts(init, "domain"):
                raise ValueError(f"geocoder provider {self.provider!r} does not take a domain")
            kwargs["domain"] = self.domain
        if _accepts(init, "scheme"):
            kwargs["scheme"] = self.scheme
        elif self.scheme != "https":
            raise ValueError(f"geocoder provider {self.provider!r} only speaks https")
        if (
            self.domain is not None
            and "proxies" not in self.extra_options
            and _accepts(init, "proxies")
            and _bypasses_proxy(self.domain)
        ):
            kwargs["proxies"] = {}
        kwargs.update(self.extra_options)

        params = inspect.signature(init).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            unknown = sorted(set(kwargs) - set(params))
            if unknown:
                raise ValueError(
                    f"geocoder provider {self.provider!r} does not take option(s) "
                    + ", ".join(unknown)
                )
        missing = sorted(
            name
            for name, p in params.items()
            if name != "self"
            and p.default is p.empty
            and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            and name not in kwargs
        )
        if missing:
            raise ValueError(
                f"geocoder provider {self.provider!r} needs option(s) "
                + ", ".join(missing)
                + " (pass them in extra_options)"
            )
        return kwargs

    @property
    def enabled(self) -> bool:
        return self._cls is not None

    def __repr__(self) -> str:
        where = f", domain={self.domain!r}" if self.domain else ""
        return f"Geocoder(provider={self.provider!r}{where})"

    def _geopy(self, field: str) -> Any:
        """The shared geopy instance, built on first use."""
        client = self._client
        if client is not None:
            return client
        with self._client_lock:
            if self._client is None:
                assert self._cls is not None
                try:
                    self._client = self._cls(**self._kwargs)
                except (GeopyError, TypeError, ValueError, ImportError) as exc:
                    logger.error("cannot set up geocoder %r: %s", self.provider, exc)
                    raise GeocodingUnavailable(field, "geocoder unavailable") from exc
            return self._client

    def geocode(self, text: str, *, field: str = "address.text") -> GeocodeResult:
        """Coordinates for ``text``; raises a :class:`GeocodingError` subclass on failure."""
        if self._cls is None:
            raise GeocodingDisabled(field, "no geocoder configured; send coordinates")
        key = normalise_query(text)
        if not key:
            raise AddressNotFound(field, "address is empty")

        cached = self._cache_get(key)
        if cached is not None:
            logger.debug("geocode cache hit for %r", key)
            return cached

        query = " ".join(text.split())
        kwargs: dict[str, Any] = {"exactly_one": True}
        if self.country_codes:
            kwargs["country_codes"] = self.country_codes
        client = self._geopy(field)
        logger.debug("geocoding %r with %s", query, self.provider)
        try:
            location = client.geocode(query, **kwargs)
        except GeopyError as exc:
            logger.warning("geocoder %s failed: %s: %s", self.provider, type(exc).__name__, exc)
            raise GeocodingUnavailable(field, "geocoder unavailable") from exc
        if location is None:
            logger.debug("geocoder %s found nothing for %r", self.provider, query)
            raise AddressNotFound(field, "address not found")

        try:
            result = GeocodeResult(
                lat=float(location.latitude),
                lon=float(location.longitude),
                display_name=str(location.address or query),
                provider=self.provider,
            )
        except (TypeError, ValueError) as exc:
            logger.warning("geocoder %s returned unusable coordinates: %s", self.provider, exc)
            raise GeocodingUnavailable(field, "geocoder unavailable") from exc
        self._cache_put(key, result)
        return result

    def _cache_get(self, key: str) -> GeocodeResult | None:
        if self.cache is None:
            return None
        try:
            return self.cache.get(key)
        except Exception:
            logger.warning("geocode cache lookup failed; asking the provider", exc_info=True)
            return None

    def _cache_put(self, key: str, result: GeocodeResult) -> None:
        if self.cache is None:
            return
        try:
            self.cache.put(key, result)
        except Exception:
            logger.warning("geocode cache store failed; result not cached", exc_info=True)


def geocoder_from_settings(
    *,
    provider: str,
    url: str | None,
    user_agent: str = "dispatch",
    timeout: float = 5.0,
    cache: GeocodeCache | None = None,
    country_codes: str | None = None,
    extra_options: dict[str, Any] | None = None,
) -> Geocoder:
    """A :class:`Geocoder` from settings values; ``url`` is ``scheme://host[:port][/path]``.

    The URL is split into geopy's ``scheme`` and ``domain`` (``host:port`` plus any path
    prefix, e.g. a Nominatim served under ``/nominatim``). ``url=None`` keeps the
    provider's public default endpoint.
    """
    scheme, domain = "https", None
    if url:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"geocoder URL must look like http(s)://host[:port], not {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"geocoder URL must not have a query or fragment: {url!r}")
        scheme = parts.scheme
        domain = parts.netloc + parts.path.rstrip("/")
    return Geocoder(
        provider,
        domain=domain,
        scheme=scheme,
        user_agent=user_agent,
        timeout=timeout,
        cache=cache,
        country_codes=country_codes,
        extra_options=extra_options,
    )

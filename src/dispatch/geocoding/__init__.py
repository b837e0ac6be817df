"""Address geocoding: text to coordinates through geopy, behind a cache.

:class:`Geocoder` wraps any geopy service (or ``none`` to require coordinates from
clients), checks its configuration up front and turns every failure into a
:class:`GeocodingError` with the offending ``field``. Results are cached by
:func:`normalise_query`; :class:`MemoryGeocodeCache` is the in-process cache, and any
object following :class:`GeocodeCache` (e.g. a database table) can stand in for it.
This package imports neither the database nor the web layer.
"""

from dispatch.geocoding.geocoder import (
    NO_PROVIDER,
    AddressNotFound,
    GeocodeCache,
    Geocoder,
    GeocodeResult,
    GeocodingDisabled,
    GeocodingError,
    GeocodingUnavailable,
    MemoryGeocodeCache,
    geocoder_from_settings,
    normalise_query,
)

__all__ = [
    "NO_PROVIDER",
    "AddressNotFound",
    "GeocodeCache",
    "GeocodeResult",
    "Geocoder",
    "GeocodingDisabled",
    "GeocodingError",
    "GeocodingUnavailable",
    "MemoryGeocodeCache",
    "geocoder_from_settings",
    "normalise_query",
]

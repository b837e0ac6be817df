from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch.geocoding import (
    AddressNotFound,
    Geocoder,
    GeocodeResult,
    GeocodingDisabled,
    GeocodingError,
    GeocodingUnavailable,
    MemoryGeocodeCache,
    geocoder_from_settings,
    normalise_query,
)
from tests.support.local_geocoder import KNOWN_PLACES, LocalGeocoderStandIn


def nominatim(server: LocalGeocoderStandIn, **kwargs) -> Geocoder:
    """geopy's real Nominatim class pointed at the stand-in."""
    kwargs.setdefault("cache", MemoryGeocodeCache())
    return Geocoder(
        "nominatim", domain=f"127.0.0.1:{server.port}", scheme="http", timeout=2.0, **kwargs
    )


def test_known_address_is_geocoded_through_geopy_nominatim(stand_in):
    """A known address comes back with the stand-in's coordinates and label."""
    result = nominatim(stand_in, user_agent="dispatch-tests").geocode("Place du Casino, Monaco")

    assert result.lat == pytest.approx(43.7396)
    assert result.lon == pytest.approx(7.4276)
    assert result.display_name.startswith("Place du Casino")
    assert result.provider == "nominatim"
    [path] = stand_in.requests
    parts = urlsplit(path)
    assert parts.path == "/search"
    assert parse_qs(parts.query) == {
        "q": ["Place du Casino, Monaco"],
        "format": ["json"],
        "limit": ["1"],
    }
    assert stand_in.user_agents == ["dispatch-tests"]


def test_geocoder_from_settings_splits_the_url(stand_in):
    """A settings URL becomes geopy's scheme and host:port domain."""
    geocoder = geocoder_from_settings(
        provider="nominatim", url=stand_in.url + "/", user_agent="dispatch", timeout=2.0, cache=None
    )

    assert (geocoder.scheme, geocoder.domain) == ("http", f"127.0.0.1:{stand_in.port}")
    assert geocoder.geocode("Quai Antoine 1er, Monaco").lat == pytest.approx(43.7349)


def test_cache_hit_makes_no_second_request(stand_in):
    """Repeating an address, or a normalised variant of it, is answered from the cache."""
    cache = MemoryGeocodeCache()
    geocoder = nominatim(stand_in, cache=cache)

    first = geocoder.geocode("Avenue de la Costa 1, Monaco")
    again = geocoder.geocode("Avenue de la Costa 1, Monaco")
    variant = geocoder.geocode("  avenue DE LA costa   1,\tMONACO , ")

    assert first == again == variant
    assert len(stand_in.requests) == 1
    assert cache.get(normalise_query("Avenue de la Costa 1, Monaco")) == first


def test_normalise_query_folds_case_space_and_trailing_commas():
    """The cache key ignores case, runs of whitespace and trailing commas."""
    assert normalise_query("  Place du  Casino,\n MONACO ,, ") == "place du casino, monaco"
    assert normalise_query("Straße 1") == normalise_query("STRASSE 1")
    assert normalise_query(" , ") == ""


def test_unknown_address_raises_not_found_with_field(stand_in):
    """An address the server does not know is a GeocodingError naming the field."""
    geocoder = nominatim(stand_in)

    with pytest.raises(GeocodingError, match="address not found") as caught:
        geocoder.geocode("1 Nowhere Street, Atlantis", field="lines[0].address")

    assert isinstance(caught.value, AddressNotFound)
    assert caught.value.field == "lines[0].address"
    assert caught.value.reason == "not_found"
    assert len(stand_in.requests) == 1


def test_empty_address_is_rejected_without_a_request(stand_in):
    """Blank text never reaches the provider."""
    with pytest.raises(AddressNotFound) as caught:
        nominatim(stand_in).geocode(" ,, ")

    assert caught.value.field == "address.text"
    assert stand_in.requests == []


@pytest.mark.parametrize("status", [500, 502, 503, 429, 403])
def test_outage_raises_unavailable_and_is_not_cached(stand_in, status):
    """A failing server is 'geocoder unavailable', and the next try goes back to it."""
    geocoder = nominatim(stand_in)
    stand_in.fail_with = status

    with pytest.raises(GeocodingUnavailable, match="unavailable") as caught:
        geocoder.geocode("Place du Casino, Monaco", field="address")

    assert caught.value.field == "address"
    assert caught.value.reason == "unavailable"
    stand_in.fail_with = None
    assert geocoder.geocode("Place du Casino, Monaco").lon == pytest.approx(7.4276)


def test_slow_server_times_out_as_unavailable(stand_in):
    """A server slower than the timeout is reported as unavailable."""
    stand_in.delay = 5.0
    geocoder = Geocoder(
        "nominatim", domain=f"127.0.0.1:{stand_in.port}", scheme="http", timeout=0.2
    )

    with pytest.raises(GeocodingUnavailable):
        geocoder.geocode("Place du Casino, Monaco")


def test_unreachable_server_is_unavailable():
    """Nothing listening at the configured address is reported as unavailable."""
    with LocalGeocoderStandIn() as server:
        port = server.port
    geocoder = Geocoder("nominatim", domain=f"127.0.0.1:{port}", scheme="http", timeout=1.0)

    with pytest.raises(GeocodingUnavailable):
        geocoder.geocode("Place du Casino, Monaco")


def test_country_codes_are_passed_to_nominatim(stand_in):
    """country_codes reaches the server and restricts the search."""
    assert nominatim(stand_in, country_codes="mc").geocode("Place du Palais, Monaco")
    with pytest.raises(AddressNotFound):
        nominatim(stand_in, country_codes="fr").geocode("Place du Palais, Monaco")
    assert "countrycodes=fr" in stand_in.requests[-1]


def test_environment_proxy_is_bypassed_for_loopback(stand_in, monkeypatch):
    """A proxy in the environment does not capture requests to a loopback geocoder."""
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")

    assert nominatim(stand_in).geocode("Place du Casino, Monaco").lat == pytest.approx(43.7396)
    assert len(stand_in.requests) == 1


def test_concurrent_lookups_share_one_geocoder(stand_in):
    """Lookups from many threads all succeed against one Geocoder."""
    geocoder = nominatim(stand_in)
    addresses = list(KNOWN_PLACES) * 4

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(geocoder.geocode, addresses))

    assert [r.lat for r in results] == [KNOWN_PLACES[a]["lat"] for a in addresses]
    assert len(stand_in.requests) >= len(KNOWN_PLACES)


def test_provider_none_refuses_to_geocode(stand_in):
    """With provider 'none' geocoding is disabled and asks for coordinates."""
    geocoder = Geocoder("none", cache=MemoryGeocodeCache())

    with pytest.raises(GeocodingDisabled, match="send coordinates") as caught:
        geocoder.geocode("Place du Casino, Monaco", field="address.text")

    assert caught.value.field == "address.text"
    assert not geocoder.enabled
    assert stand_in.requests == []


def test_unknown_provider_is_a_value_error_at_construction():
    """A provider name geopy does not know fails when the Geocoder is built."""
    with pytest.raises(ValueError, match="unknown geocoder provider 'no-such-geocoder'"):
        Geocoder("no-such-geocoder")


@pytest.mark.parametrize(
    ("provider", "options", "message"),
    [
        ("nominatim", {"bogus": 1}, "does not take option"),
        ("mapbox", {}, "needs option.*api_key"),
        ("photon", {"country_codes": "mc"}, "does not support country_codes"),
    ],
)
def test_bad_provider_options_are_value_errors(provider, options, message):
    """Options the geopy class cannot take are reported when the Geocoder is built."""
    country_codes = options.pop("country_codes", None)
    with pytest.raises(ValueError, match=message):
        Geocoder(provider, extra_options=options, country_codes=country_codes)


@pytest.mark.parametrize("url", ["127.0.0.1:8085", "ftp://example.org", "http://"])
def test_bad_geocoder_url_is_a_value_error(url):
    """A settings URL without an http(s) scheme and host is refused."""
    with pytest.raises(ValueError, match="geocoder URL"):
        geocoder_from_settings(provider="nominatim", url=url, user_agent="x", timeout=1, cache=None)


def test_result_coordinates_are_range_checked():
    """GeocodeResult refuses coordinates outside WGS84 ranges."""
    with pytest.raises(ValueError, match="latitude"):
        GeocodeResult(lat=91.0, lon=0.0, display_name="x", provider="p")
    with pytest.raises(ValueError, match="longitude"):
        GeocodeResult(lat=0.0, lon=float("nan"), display_name="x", provider="p")

"""A geocode cache in the service database, shared by every API process."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from dispatch.db.database import Database
from dispatch.geocoding.geocoder import GeocodeResult
from dispatch.geocoding.models import GeocodeCacheEntry
from dispatch.settings import Settings

log = logging.getLogger(__name__)

MAX_QUERY = 300


class DatabaseGeocodeCache:
    """Implements ``GeocodeCache`` on the ``geocode_cache`` table, in short transactions."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, query: str) -> GeocodeResult | None:
        if len(query) > MAX_QUERY:
            return None
        with self.database.uow() as uow:
            row = uow.db.get(GeocodeCacheEntry, query)
            if row is None:
                return None
            return GeocodeResult(row.lat, row.lon, row.display_name, row.provider)

    def put(self, query: str, result: GeocodeResult) -> None:
        if len(query) > MAX_QUERY:
            return
        with self.database.uow() as uow:
            uow.db.add(
                GeocodeCacheEntry(
                    query=query, lat=result.lat, lon=result.lon,
                    display_name=result.display_name[:500], provider=result.provider,
                )
            )
            try:
                uow.commit()
            except IntegrityError:
                log.debug("geocode cache entry written concurrently; keeping the first")


def geocoder_for(settings: Settings, database: Database):
    """The geocoder the service uses, per settings, cached in ``database``."""
    from dispatch.geocoding.geocoder import geocoder_from_settings

    return geocoder_from_settings(
        provider=settings.geocoder,
        url=settings.geocoder_url,
        user_agent=settings.geocoder_user_agent,
        timeout=settings.geocoder_timeout,
        cache=DatabaseGeocodeCache(database),
    )

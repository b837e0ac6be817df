"""Service settings: one pydantic-settings class, read from ``DISPATCH_*`` variables.

The routing library never reads these; only the service layer, the API and the CLI do.
Defaults give the embedded setup (a SQLite file in the working directory, no geocoder,
the sandbox card gateway), so ``make run`` works on a fresh machine.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be configured with; see DEVELOPERS.md for the list."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    database_url: str = Field("sqlite:///./dispatch.db", description="SQLAlchemy URL")
    database_echo: bool = False
    database_pool_size: int = Field(10, ge=1, le=200)
    database_max_overflow: int = Field(20, ge=0, le=500)

    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    delivery_fee_minor: int = Field(350, ge=0)
    return_window_days: int = Field(30, ge=0, le=365)
    max_window_days_ahead: int = Field(30, ge=1, le=365)

    ping_rate_per_minute: float = Field(
        120, gt=0, le=6000, description="position pings a driver may send per minute"
    )
    ping_burst: int = Field(20, ge=1, le=1000, description="pings allowed at once after a pause")

    tracking_reveal_days: int = Field(
        14, ge=0, le=365, description="tracking links go dark this long after an order ends"
    )

    page_size_default: int = Field(50, ge=1)
    page_size_max: int = Field(200, ge=1)
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    idempotency_ttl_hours: int = Field(24, ge=24, description="Stripe keeps keys 24 h at least")
    idempotency_stale_seconds: int = Field(
        60, ge=1, description="an in-flight key older than this is taken to be abandoned"
    )

    token_cache_seconds: float = Field(
        10.0, ge=0, le=300, description="a revoked token keeps working at most this long"
    )

    geocoder: str = Field("none", description="geopy service name, or 'none'")
    geocoder_url: str | None = Field(None, description="scheme://host[:port] of the geocoder")
    geocoder_user_agent: str = "dispatch"
    geocoder_timeout: float = Field(5.0, gt=0)

    migrate_on_start: bool = True
    worker_threads: int = Field(
        4, ge=0, le=1000,
        description="threads per process for routes; a few contend less for the GIL than "
        "anyio's 40 (0 keeps anyio's default)",
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, url: str) -> str:
        """Plain ``postgresql://`` URLs use psycopg 3, the driver we ship."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(hours=self.idempotency_ttl_hours)

    @property
    def return_window(self) -> timedelta:
        return timedelta(days=self.return_window_days)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

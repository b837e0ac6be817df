"""Service settings: one pydantic-settings class, read from ``DISPATCH_*`` variables.

The routing library never reads these; only the service layer, the API and the CLI do.
Defaults give the embedded setup (a SQLite file in the working directory, no geocoder,
the sandbox card gateway), so ``make run`` works on a fresh machine.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
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
    ping_batch_max: int = Field(
        200, ge=1, le=5000,
        description="most pings written in one transaction (1: a transaction per ping)",
    )

    map_tile_url: str | None = Field(
        None, max_length=500,
        description="tile URL template for the dispatcher map (e.g. a local tile server); "
                    "none: a plain background, nothing fetched",
    )
    map_tile_attribution: str = Field("", max_length=300, description="shown under the tiles")

    tracking_reveal_days: int = Field(
        14, ge=0, le=365, description="tracking links go dark this long after an order ends"
    )

    plan_time_limit_default: float = Field(
        5.0, gt=0, le=600, description="seconds a plan searches when the request names none"
    )
    plan_time_limit_max: float = Field(
        60.0, gt=0, le=3600, description="longest search a plan request may ask for (422 above)"
    )
    plan_solution_limit: int | None = Field(
        None, ge=1, le=1_000_000,
        description="stop each search after this many improving solutions, on one core: "
                    "the same inputs then give the same plan (the day simulator sets it)",
    )
    plan_max_stops: int = Field(500, ge=1, description="stops per plan (422 above)")
    plan_max_drivers: int = Field(50, ge=1, description="drivers per plan (422 above)")
    plan_max_concurrent: int = Field(
        2, ge=1, le=64, description="plans solving at once per process (429 beyond)"
    )
    service_seconds_default: float = Field(
        180.0, ge=0, le=7200, description="time at the door per stop, when not known better"
    )
    service_seconds_per_kg: float = Field(
        0.0, ge=0, le=600, description="time at the door added per kilogram handed over or "
        "collected (heavy grocery baskets take longer)"
    )
    broker_url: str | None = Field(
        None, description="Celery broker (redis://host:6379/0): plans are solved by "
        "`dispatch worker` processes; unset, by the API process itself"
    )
    broker_visibility_timeout_seconds: float = Field(
        900.0, ge=10, le=86400, description="a task whose worker vanished is handed out "
        "again after this long; keep it above the longest plan search"
    )
    plan_recovery_on_start: bool = Field(
        True, description="at start-up, fail plans left queued or running by a stopped "
        "process; turn off while several API processes share one database (issue 7)"
    )
    wave_scheduler_enabled: bool = Field(
        True, description="start waves from the warehouses' batch policies inside the API"
    )
    wave_scheduler_interval_seconds: float = Field(
        30.0, gt=0, le=3600, description="how often the wave scheduler checks the policies"
    )
    wave_auto_commit: bool = Field(
        True, description="publish an automatic wave's routes as soon as its plan is done"
    )
    wave_auto_commit_max_age_minutes: float = Field(
        10.0, gt=0, le=1440,
        description="an automatic wave solved longer ago than this is left for a dispatcher",
    )
    wave_serve_late: bool = Field(
        False, description="automatic waves route orders whose window can no longer be kept "
        "too (late, as little as possible) rather than leaving them for a dispatcher"
    )
    wave_depart_now: bool = Field(
        False, description="drivers leave as soon as an automatic wave is published (hot "
        "food) rather than as late as the windows allow"
    )
    wave_close_margin_minutes: float = Field(
        0.0, ge=0, le=240, description="automatic waves aim to serve this long before each "
        "window closes where the routes allow (slack for traffic)"
    )
    wave_horizon_minutes: float | None = Field(
        None, gt=0, le=1440, description="automatic waves route only work whose window opens "
        "within this many minutes (slotted deliveries: a trip per slot); default: all"
    )
    wave_min_gap_minutes: float = Field(
        5.0, ge=0, le=1440, description="at most one automatic wave per warehouse this often, "
        "so work a wave could not place does not start a new wave on every tick"
    )

    fraud_screening: bool = Field(
        True, description="screen orders at placement; a risky one waits on_hold for review"
    )
    fraud_hold_threshold: float = Field(
        0.6, gt=0, le=1, description="risk score (0-1) from which an order is held"
    )

    eta_notify_change_minutes: float = Field(
        10.0, gt=0, description="tell the customer when their ETA moves by more than this"
    )
    eta_sample_minutes: float = Field(
        5.0, ge=0, le=1440, description="keep each pending stop's ETA this often, for the "
        "ETA-error-by-lead KPI (0: keep none)"
    )
    eta_bias_correction: bool = Field(
        False, description="shift each ETA by the median error of past ETAs made as far "
        "ahead (from eta_snapshots)"
    )
    eta_window_min_minutes: float = Field(
        5.0, ge=0, description="half-width of an ETA window before any error is measured"
    )
    tracking_driver_reveal_stops: int = Field(
        3, ge=0, le=50, description="show the driver's position only this many stops away"
    )
    tracking_post_rate_per_minute: float = Field(
        6, gt=0, le=600, description="self-service requests one tracking link may send per minute"
    )
    tracking_post_burst: int = Field(
        5, ge=1, le=100, description="self-service requests one tracking link may send at once"
    )
    stream_poll_seconds: float = Field(
        0.5, gt=0, le=60, description="how often the dispatcher event stream reads new events"
    )
    pubsub_url: str | None = Field(
        None, description="Redis (redis://host:6379/0) on which a commit that adds an event "
        "or moves a driver wakes the event streams of every API process; unset, they poll"
    )
    stream_keepalive_seconds: float = Field(
        15.0, gt=0, le=300, description="comment sent on a quiet event stream to keep it open"
    )
    completion_far_meters: float = Field(
        250.0, gt=0, description="completions farther than this from the stop are flagged"
    )
    proof_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="largest signature or photo upload"
    )
    stop_position_max_age_minutes: float = Field(
        15.0, gt=0, description="a stop event without coordinates uses the driver's last "
        "position only if it was taken this close to the event"
    )

    public_url: str = Field(
        "http://127.0.0.1:8000", description="base of tracking links sent to customers"
    )
    relay_enabled: bool = Field(
        True, description="run the outbox relay (webhooks, notifications) inside the API"
    )
    relay_interval_seconds: float = Field(1.0, gt=0, le=3600)
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="attempts before a delivery is dead-lettered"
    )
    webhook_backoff_seconds: float = Field(
        10.0, gt=0, description="first retry delay; doubles on every further attempt"
    )
    webhook_timeout_seconds: float = Field(5.0, gt=0, le=60)
    webhook_allow_private_targets: bool = Field(
        False, description="allow loopback and private-network webhook URLs (tests, dev)"
    )
    notification_channel: str = Field(
        "log", description="log (a local notification log), email or sms"
    )
    notification_log_path: str = Field(
        "./notifications.log", description="where the log channel appends messages"
    )
    relay_batch_size: int = Field(
        100, ge=1, le=10_000,
        description="outbox events, webhook deliveries and notifications handled per relay tick",
    )
    notification_max_attempts: int = Field(
        5, ge=1, le=50, description="send attempts before a notification is marked failed"
    )
    notification_backoff_seconds: float = Field(
        30.0, gt=0, description="first notification retry delay; doubles on every further attempt"
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server of the email channel")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = Field("dispatch@localhost", description="sender address of customer emails")
    smtp_username: str | None = Field(None, description="SMTP login, if the server wants one")
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=120)

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

"""Public tracking links: customers never log in, the token is their key.

The JSON view and the self-service actions are API operations; the HTML page is for
people (outside the OpenAPI schema: its errors are pages, not problem documents).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from api.deps import ReadUowDep, SettingsDep, UowDep
from api.rate_limit import RateLimiter
from dispatch.errors import NotFound
from dispatch.returns.schemas import ReturnCreate, ReturnRead
from dispatch.tracking import page, selfservice, service
from dispatch.tracking.schemas import RescheduleIn, RescheduleRead, TrackingRead
from dispatch.tracking.service import TrackingRules

router = APIRouter(prefix="/track", tags=["tracking"])

Token = Annotated[str, Path(min_length=1, max_length=64, description="the order's tracking token")]

_limiter_lock = threading.Lock()


async def _link_rate(request: Request, settings: SettingsDep, token: Token) -> None:
    """Self-service requests per link are limited (429 with Retry-After), checked before
    the body is read, so malformed requests count too."""
    state = request.app.state
    with _limiter_lock:
        limiter = getattr(state, "tracking_limiter", None)
        if limiter is None:
            limiter = RateLimiter(settings.tracking_post_rate_per_minute,
                                  settings.tracking_post_burst)
            state.tracking_limiter = limiter
    limiter.check(("track", token))


LinkRateLimit = Depends(_link_rate)


@router.get("/{token}", responses={404: {"description": "unknown or expired link"}})
def track_order(token: Token, uow: ReadUowDep, settings: SettingsDep) -> TrackingRead:
    """One order's status, window, timeline and ETA, for the customer holding the link;
    the driver's approximate position while they are out and a few stops away."""
    return service.track(uow, token, TrackingRules.from_settings(settings))


@router.get("/{token}/page", response_class=HTMLResponse, include_in_schema=False)
def tracking_page(token: str, uow: ReadUowDep,
                  settings: SettingsDep) -> HTMLResponse:
    """The tracking page: timeline, ETA window, a small map and the self-service forms."""
    try:
        view = service.track(uow, token, TrackingRules.from_settings(settings))
    except NotFound:
        return page.not_found_response()
    return page.page_response(view)


@router.post("/{token}/reschedule", dependencies=[LinkRateLimit],
             responses={404: {"description": "unknown or expired link"},
                        409: {"description": "only after a failed attempt, while ready"},
                        429: {"description": "too many requests for this link"}})
def reschedule(token: Token, body: RescheduleIn, uow: UowDep, settings: SettingsDep) -> RescheduleRead:
    """Choose a new delivery window after a failed attempt; the next wave plans it."""
    return selfservice.reschedule(uow, token, body, TrackingRules.from_settings(settings))


@router.post("/{token}/returns", status_code=201, dependencies=[LinkRateLimit],
             responses={404: {"description": "unknown or expired link"},
                        409: {"description": "order not delivered, or return window closed"},
                        429: {"description": "too many requests for this link"}})
def request_return(token: Token, body: ReturnCreate, uow: UowDep, settings: SettingsDep) -> ReturnRead:
    """Send back delivered units, under the same rules as ``POST /orders/{id}/returns``."""
    return selfservice.request_return(uow, token, body, TrackingRules.from_settings(settings))

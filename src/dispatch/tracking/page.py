"""The customer's tracking page: one self-contained HTML document per request.

Leaflet, our script and our styles are inlined, each carrying a fresh nonce that the
``Content-Security-Policy`` admits; the policy allows no other source, so the page can
fetch nothing but its own JSON from this server (no tiles, fonts or CDNs), and the
customer's browser tells no third party where they live or which link they hold.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from dispatch.maps.assets import leaflet_css, leaflet_js
from dispatch.tracking.schemas import TrackingRead

STATUS_LABELS = {
    "placed": "Order received",
    "on_hold": "Order received, being checked",
    "confirmed": "Order confirmed",
    "picked": "Packed",
    "ready": "Packed, waiting for a driver",
    "planned": "Scheduled on a delivery route",
    "out_for_delivery": "On its way",
    "delivered": "Delivered",
    "failed": "Delivery attempt failed",
    "cancelled": "Cancelled",
}
RETURN_REASONS = {
    "damaged": "Arrived damaged",
    "wrong_item": "Wrong item",
    "not_as_described": "Not as described",
    "no_longer_needed": "No longer needed",
    "other": "Other",
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("dispatch.tracking", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def security_headers(nonce: str | None = None) -> dict[str, str]:
    """Headers every tracking page carries; ``nonce`` admits its inline script and style."""
    inline = f"'nonce-{nonce}'" if nonce else "'none'"
    policy = "; ".join([
        "default-src 'none'", f"script-src {inline}", f"style-src {inline}",
        "img-src 'self'", "connect-src 'self'", "form-action 'self'", "base-uri 'none'",
        "frame-ancestors 'none'",
    ])
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def render_page(view: TrackingRead, nonce: str) -> str:
    return _templates().get_template("track.html").render(
        view=view, view_json=view.model_dump(mode="json"), nonce=nonce,
        labels=STATUS_LABELS, reasons=RETURN_REASONS,
        leaflet_css=leaflet_css(), leaflet_js=leaflet_js(),
    )


def page_response(view: TrackingRead) -> HTMLResponse:
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(render_page(view, nonce), headers=security_headers(nonce))


def not_found_response() -> HTMLResponse:
    """The same page for an unknown and an expired link: it says nothing about either."""
    html = _templates().get_template("not_found.html").render()
    return HTMLResponse(html, status_code=404, headers=security_headers())

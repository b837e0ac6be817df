"""The dispatcher page and its static files, all served from this package.

Leaflet comes from the ``xstatic-leaflet`` package, made link-free (``maps.assets``);
our script and styles sit in ``static/``. The page's policy lets it load scripts and
styles only from this server and talk only to this server, plus the tile server when
one is configured; with none (the default) the map draws on a plain background.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from dispatch.maps.assets import leaflet_css, leaflet_js
from dispatch.maps.plan_map import PALETTE

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("dispatch.console", "templates"),
                       autoescape=select_autoescape(["html"]))


def render_dispatcher(*, tile_url: str | None, tile_attribution: str) -> str:
    return _templates().get_template("dispatcher.html").render(
        tile_url=tile_url, tile_attribution=tile_attribution, palette=json.dumps(PALETTE))


def tile_origin(tile_url: str | None) -> str | None:
    """``scheme://host[:port]`` of the tile server, for the page's image policy."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def page_headers(tile_url: str | None) -> dict[str, str]:
    tiles = tile_origin(tile_url)
    policy = "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'",
        "img-src 'self' data:" + (f" {tiles}" if tiles else ""), "connect-src 'self'",
        "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'",
    ])
    return {"Content-Security-Policy": policy, "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Cache-Control": "no-store"}


def map_headers(tile_url: str | None) -> dict[str, str]:
    """For a folium map document (inline script and styles, Leaflet inlined): it may
    load nothing from anywhere, except tiles from the configured tile server."""
    tiles = tile_origin(tile_url)
    policy = "; ".join([
        "default-src 'none'", "script-src 'unsafe-inline'", "style-src 'unsafe-inline'",
        "img-src data:" + (f" {tiles}" if tiles else ""), "connect-src 'none'",
        "base-uri 'none'", "form-action 'none'",
    ])
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store"}


@lru_cache(maxsize=8)
def static_file(name: str) -> tuple[str, str] | None:
    """(content, media type) of a file the page loads; None for anything else."""
    if name == "leaflet.js":
        return leaflet_js(), STATIC_TYPES[".js"]
    if name == "leaflet.css":
        return leaflet_css(), STATIC_TYPES[".css"]
    if name not in {"dispatcher.js", "holds.js", "dispatcher.css"}:
        return None
    content = resources.files("dispatch.console").joinpath("static", name).read_text("utf-8")
    return content, STATIC_TYPES[name[name.rindex("."):]]

"""Leaflet inlined into the page, so maps render on machines with no network access.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default. Dispatch
offices and depots are not guaranteed a connection, so :class:`OfflineMap` drops every
link and inlines Leaflet's JS and CSS from the ``xstatic-leaflet`` package instead, with
its images as ``data:`` URIs. Nothing our maps draw needs jQuery or Bootstrap.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import xstatic.pkg.leaflet
from branca.element import Element, Figure

_LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)
_ICON_OPTIONS = {
    "iconUrl": "marker-icon.png",
    "iconRetinaUrl": "marker-icon-2x.png",
    "shadowUrl": "marker-shadow.png",
}


def _data_uri(image: str) -> str:
    raw = (_LEAFLET_DIR / "images" / image).read_bytes()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def _neutralise_js(source: str) -> str:
    """Leaflet's source with no URL a browser could follow or fetch.

    The attribution prefix links to leafletjs.com: keep the word, drop the link. The
    source-map comment would make developer tools fetch a file we do not ship. The
    remaining ``http://`` strings are the SVG namespace (an identifier, never fetched);
    ``\\/`` means ``/`` inside JS strings, so escaping them changes no behaviour and keeps
    the page free of anything that looks like a link.
    """
    source = re.sub(r'<a href="https?://leafletjs\.com"', "<a", source)
    source = re.sub(r"^//# sourceMappingURL=.*$", "", source, flags=re.MULTILINE)
    return source.replace("://", r":\/\/")


def _neutralise_css(source: str) -> str:
    """Leaflet's CSS with comments (one holds a bug-tracker link) and image paths inlined."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(
        r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)",
        lambda m: f'url("{_data_uri(m.group(1))}")',
        source,
    )


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's JS, made link-free, plus default marker icons as ``data:`` URIs.

    Setting the icon options up front stops Leaflet guessing an image path from the CSS,
    which a plain ``folium.Marker`` would otherwise fetch as a (broken) relative file.
    """
    source = _neutralise_js((_LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"))
    icons = ", ".join(f'{key}: "{_data_uri(name)}"' for key, name in _ICON_OPTIONS.items())
    fix = f'L.Icon.Default.imagePath = ""; L.Icon.Default.mergeOptions({{{icons}}});'
    return f"{source}\n{fix}\n"


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS, made link-free."""
    return _neutralise_css((_LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8"))


class OfflineMap(folium.Map):
    """A ``folium.Map`` that links nothing: Leaflet is inlined, other CDN assets dropped.

    Defaults to no tile layer, since tiles are the other thing a map fetches; pass a
    ``tiles`` URL of a local tile server to get a background.
    """

    def __init__(self, *args: Any, tiles: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, tiles=tiles, **kwargs)
        # Instance lists: folium's add_js_link mutates these in place.
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("OfflineMap must belong to a Figure to render")
        # First in the header so later styles (ours) override Leaflet's.
        figure.header.add_child(
            Element(f"<style>{leaflet_css()}</style>"), name="leaflet_css_inline", index=0
        )
        figure.header.add_child(
            Element(f"<script>{leaflet_js()}</script>"), name="leaflet_js_inline", index=1
        )
        super().render(**kwargs)

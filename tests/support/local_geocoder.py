"""A local stand-in for a Nominatim server, for tests only. It is not a geocoder.

:class:`LocalGeocoderStandIn` listens on 127.0.0.1 (a free port) and answers just enough
of Nominatim's ``/search`` API for geopy's ``Nominatim`` class to work against it: a fixed
table of a few Monaco addresses, matched case-insensitively after whitespace and trailing
comma clean-up; anything else gets ``[]`` as Nominatim does. Tests point the code under
test at :attr:`LocalGeocoderStandIn.url`, so no public geocoder is ever contacted.

It records each request (:attr:`requests`, :attr:`user_agents`), can simulate an outage
(:attr:`fail_with` = an HTTP status) or a slow server (:attr:`delay` seconds), and is a
context manager::

    with LocalGeocoderStandIn() as server:
        geocoder = geocoder_from_settings(provider="nominatim", url=server.url, ...)
"""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

# Approximate coordinates of real places, good to a few tens of metres.
KNOWN_PLACES: dict[str, dict[str, Any]] = {
    "Place du Casino, Monaco": {
        "lat": 43.7396,
        "lon": 7.4276,
        "display_name": "Place du Casino, Monte-Carlo, Monaco, 98000, Monaco",
        "place_id": 1001,
    },
    "Avenue de la Costa 1, Monaco": {
        "lat": 43.7403,
        "lon": 7.4255,
        "display_name": "1, Avenue de la Costa, Monte-Carlo, Monaco, 98000, Monaco",
        "place_id": 1002,
    },
    "Quai Antoine 1er, Monaco": {
        "lat": 43.7349,
        "lon": 7.4236,
        "display_name": "Quai Antoine 1er, La Condamine, Monaco, 98000, Monaco",
        "place_id": 1003,
    },
    "Boulevard du Larvotto 40, Monaco": {
        "lat": 43.7458,
        "lon": 7.4352,
        "display_name": "40, Boulevard du Larvotto, Larvotto, Monaco, 98000, Monaco",
        "place_id": 1004,
    },
    "Place du Palais, Monaco": {
        "lat": 43.7314,
        "lon": 7.4198,
        "display_name": "Place du Palais, Monaco-Ville, Monaco, 98000, Monaco",
        "place_id": 1005,
    },
}
COUNTRY_CODE = "mc"


def _key(text: str) -> str:
    return re.sub(r"[\s,]+$", "", " ".join(text.casefold().split()))


class LocalGeocoderStandIn:
    """Loopback HTTP server imitating Nominatim's ``/search`` for :data:`KNOWN_PLACES`."""

    def __init__(self, places: dict[str, dict[str, Any]] | None = None) -> None:
        self.places = {_key(k): v for k, v in (places or KNOWN_PLACES).items()}
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.fail_with: int | None = None
        self.delay: float = 0.0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> LocalGeocoderStandIn:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._closing.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="local-geocoder-stand-in",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()  # wakes handlers sleeping on ``delay``
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalGeocoderStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base URL to configure as the geocoder."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget recorded requests and stop failing or delaying."""
        with self._lock:
            self.requests.clear()
            self.user_agents.clear()
        self.fail_with = None
        self.delay = 0.0

    # -- request handling ------------------------------------------------------------

    def _record(self, path: str, user_agent: str) -> None:
        with self._lock:
            self.requests.append(path)
            self.user_agents.append(user_agent)

    def _search(self, params: dict[str, list[str]]) -> tuple[int, Any]:
        fmt = params.get("format", ["xml"])[0]
        if fmt not in ("json", "jsonv2"):
            return 400, {"error": {"code": 400, "message": "this stand-in only serves JSON"}}
        query = params.get("q", [""])[0]
        try:
            limit = max(1, min(40, int(params.get("limit", ["10"])[0])))
        except ValueError:
            return 400, {"error": {"code": 400, "message": "limit must be a number"}}
        codes = params.get("countrycodes", [""])[0]
        if codes and COUNTRY_CODE not in {c.strip().lower() for c in codes.split(",")}:
            return 200, []
        place = self.places.get(_key(query))
        if place is None:
            return 200, []
        lat, lon = place["lat"], place["lon"]
        hit: dict[str, Any] = {
            "place_id": place["place_id"],
            "licence": "Data (c) OpenStreetMap contributors, ODbL 1.0 (local test stand-in)",
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "display_name": place["display_name"],
            "boundingbox": [
                f"{lat - 0.0005:.7f}",
                f"{lat + 0.0005:.7f}",
                f"{lon - 0.0005:.7f}",
                f"{lon + 0.0005:.7f}",
            ],
            "class": "place",
            "type": "house",
            "importance": 0.5,
        }
        if params.get("addressdetails", ["0"])[0] == "1":
            hit["address"] = {"country": "Monaco", "country_code": COUNTRY_CODE}
        return 200, [hit][:limit]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "LocalGeocoderStandIn/1"

            def do_GET(self) -> None:
                stand_in._record(self.path, self.headers.get("User-Agent", ""))
                if stand_in.delay and stand_in._closing.wait(stand_in.delay):
                    return
                if stand_in.fail_with is not None:
                    self._send(stand_in.fail_with, {"error": "simulated outage"})
                    return
                parts = urlsplit(self.path)
                if parts.path.rstrip("/") in ("/search", "/search.php"):
                    status, body = stand_in._search(parse_qs(parts.query))
                elif parts.path == "/status":
                    status, body = 200, {"status": 0, "message": "OK"}
                else:
                    status, body = 404, {"error": "not found"}
                self._send(status, body)

            def _send(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (e.g. a timeout test); nothing to tell it

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("stand-in: " + format, *args)

        return Handler

"""Refuse request bodies above a size cap before they are read into memory.

JSON bodies get the small default cap; the few upload endpoints listed in
``LARGE_UPLOADS`` get the (larger) cap their setting names.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


LARGE_UPLOADS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("PUT", re.compile(r"/drivers/me/stops/[^/]+/proof"), "proof_max_bytes"),
)
"""(method, path, settings attribute) of endpoints taking uploads above the default cap."""


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length, then counts streamed bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _limit(self, scope: Scope) -> int:
        """The cap for this request: an upload's own setting, else the default."""
        for method, path, setting in LARGE_UPLOADS:
            if scope.get("method") == method and path.fullmatch(scope.get("path", "")):
                settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
                return getattr(settings, setting, self.max_bytes)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(scope, send, limit)
                return
        else:
            # No Content-Length (chunked): read up to the cap here. Raising mid-read in
            # the app would not work: FastAPI turns any error while reading the body
            # into a 400 "error parsing the body".
            buffered = await self._read_capped(receive, limit)
            if buffered is None:
                await self._refuse(scope, send, limit)
                return
            receive = self._replay(buffered, receive)
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send, limit)

    async def _read_capped(self, receive: Receive, limit: int) -> list[Message] | None:
        """The request's messages up to the end of its body; None past ``limit``."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away; let the app see it
            seen += len(message.get("body", b""))
            if seen > limit:
                return None
            if not message.get("more_body", False):
                return messages

    @staticmethod
    def _replay(messages: list[Message], receive: Receive) -> Receive:
        pending = list(messages)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        return replay

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "urn:dispatch:problem:body_too_large",
                "title": "Content too large",
                "status": 413,
                "detail": f"request body exceeds {limit} bytes",
                "instance": scope.get("path"),
                "field": "body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

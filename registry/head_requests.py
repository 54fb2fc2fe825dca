"""``HEAD`` on every ``GET`` route (RFC 9110 §9.3.2): the same status and headers, no body.

FastAPI routes answer only the methods they declare, so a ``HEAD`` met a 405. This pure ASGI
middleware, the outermost of the app's own, hands the request on as a ``GET`` (in a copy of the
scope: the server keeps the original, still ``HEAD``, and sends no body either) and drops the body
of the answer, keeping its headers, ``Content-Length`` included. A path with no ``GET`` answers
``HEAD`` with the same 405 a ``GET`` gets.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed body: nothing to send
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, send_headers_only)

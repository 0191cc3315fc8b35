"""uvicorn's HTTP protocol with a header timeout.

uvicorn times out idle keep-alive connections, but a client that opens a connection and sends
its request line and headers slowly (or never finishes them) holds the connection open for
ever, before the application (and :class:`api.limits.BodySizeLimit`'s body timeout) ever sees
the request. :class:`HeaderTimeoutProtocol` closes such a connection when the headers of a
request are not complete ``header_timeout_s`` seconds after the connection opened or the
request's first byte arrived. ``dispatch serve`` uses it with ``DISPATCH_BODY_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
from typing import Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderTimeoutProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0

    _header_timer: Optional[asyncio.TimerHandle] = None

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.logger.warning("closing a connection whose request headers did not arrive within %g s", self.header_timeout_s)
            self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)


def with_header_timeout(timeout_s: float) -> type[HeaderTimeoutProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` with this header timeout."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout_s": float(timeout_s)})

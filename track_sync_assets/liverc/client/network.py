"""Connecting hosts elsewhere than DNS says, like curl's ``--resolve`` (plain http only).

The simulator serves every track as its own host (``{slug}.liverc.test``) on 127.0.0.1:
the client keeps those names in its URLs, allowlist, robots.txt origins and ``Host``
header, and only the TCP connection goes to the mapped address.
"""

from __future__ import annotations

import httpx


class ResolvingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; plain-http requests to a mapped host connect to its address."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, resolve: tuple[tuple[str, str], ...]
    ) -> None:
        self._inner = inner
        self._exact = {pattern.lower(): ip for pattern, ip in resolve if "*" not in pattern}
        self._suffixes = [
            (pattern[1:].lower(), ip) for pattern, ip in resolve if pattern.startswith("*.")
        ]

    def address_for(self, host: str) -> str | None:
        """The mapped address of ``host``, None when DNS decides."""
        host = host.lower()
        if host in self._exact:
            return self._exact[host]
        return next((ip for suffix, ip in self._suffixes if host.endswith(suffix)), None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        address = self.address_for(request.url.host) if request.url.scheme == "http" else None
        if address is not None:
            # The Host header was set from the original URL when the request was built.
            request.url = request.url.copy_with(host=address)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

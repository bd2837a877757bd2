"""One HTTP POST to a receiver, connected to the address the SSRF check vetted.

No redirects are followed (http.client never does), the timeout bounds the connection
and each read, and only the first 1 KB of the answer is read and kept.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from .models import RESPONSE_EXCERPT_BYTES
from .ssrf import Target

USER_AGENT = "onboarding-gateway-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    latency_ms: int
    excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self._ssl_context = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._ssl_context)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # Certificate and SNI checked against the URL's host name, not the address.
        self.sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)


def post(*, target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    started = time.monotonic()
    status_code: int | None = None
    excerpt = b""
    error = ""
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        status_code = response.status
        excerpt = response.read(RESPONSE_EXCERPT_BYTES)
    except TimeoutError:
        error = "timeout"
    except ConnectionRefusedError:
        error = "connection refused"
    except ConnectionResetError:
        error = "connection reset"
    except ssl.SSLError as exc:
        error = f"tls error: {exc.reason or type(exc).__name__}"[:255]
    except (http.client.HTTPException, OSError) as exc:
        error = f"network error: {type(exc).__name__}"
    finally:
        connection.close()
    latency_ms = int((time.monotonic() - started) * 1000)
    if status_code is not None and error:
        error = ""
    return Outcome(
        status_code=status_code,
        error=error,
        latency_ms=latency_ms,
        excerpt=excerpt.decode("utf-8", errors="replace"),
    )

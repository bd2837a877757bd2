"""The client's address, as the per-address limits count it (merchant sign-in, staff sign-in).

Without TRUSTED_PROXIES (the default) the address is the TCP peer, REMOTE_ADDR, and any
X-Forwarded-For header is ignored: a client cannot pick the address it is counted under.
Behind load balancers, TRUSTED_PROXIES lists the proxy layers in the order a request
crosses them (outermost first; each an IP, a CIDR network or an IP prefix). A request counts
under the address the outermost trusted proxy saw, read through django-ipware from the chain
X-Forwarded-For + REMOTE_ADDR, only when that chain ends in the trusted proxies; otherwise
(a direct connection, a forged header) under REMOTE_ADDR.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from ipware import get_client_ip


def client_ip(request: Any) -> str:
    meta = request.META
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    proxies = list(getattr(settings, "TRUSTED_PROXIES", []) or [])
    forwarded = (meta.get("HTTP_X_FORWARDED_FOR") or "").strip()
    if proxies and forwarded and remote:
        chain = SimpleNamespace(META={"HTTP_X_FORWARDED_FOR": f"{forwarded}, {remote}"})
        ip, _routable = get_client_ip(
            chain,  # type: ignore[arg-type]  # ipware reads only .META
            proxy_order="left-most",
            proxy_trusted_ips=proxies,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if ip:
            return ip
    return remote or "unknown"


def client_ip_or_none(request: Any) -> str | None:
    """client_ip for django-axes, which wants None rather than a placeholder when unknown."""
    address = client_ip(request)
    return None if address == "unknown" else address

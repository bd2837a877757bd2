"""Receiver URLs: https only, and never an address inside our own network (no SSRF).

A URL is checked when it is registered and its host resolved again before every
delivery; the delivery then connects to the address that passed the check, so a DNS
answer that changes between the check and the connection (rebinding) cannot point us
at a private address. WEBHOOK_ALLOW_LOOPBACK (development and tests only) admits
http:// and loopback addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator

from core.conf import app_settings

from .models import URL_MAX_LENGTH

DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(ValueError):
    """The URL is not acceptable as a webhook receiver; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the vetted IP to connect to
    path: str  # path and query, sent as the request target


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def url_check_syntax(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an acceptable absolute URL, or UnsafeUrl."""
    allow_loopback = app_settings.WEBHOOK_ALLOW_LOOPBACK
    if not isinstance(url, str) or len(url) > URL_MAX_LENGTH:
        raise UnsafeUrl(f"Ensure this field has no more than {URL_MAX_LENGTH} characters.")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise UnsafeUrl("Enter a valid absolute URL.") from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise UnsafeUrl("A webhook URL must not carry credentials.")
    if parts.fragment:
        raise UnsafeUrl("A webhook URL must not carry a fragment.")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise UnsafeUrl("Enter a valid absolute URL.") from None
    if scheme != "https" and not allow_loopback:
        raise UnsafeUrl("The webhook URL must use https.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port, path


def url_resolve(url: str) -> Target:
    """Resolve the URL's host; every address it resolves to must be public (or loopback in dev)."""
    scheme, host, port, path = url_check_syntax(url)
    allow_loopback = app_settings.WEBHOOK_ALLOW_LOOPBACK
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeUrl("The webhook URL's host does not resolve.") from None
    addresses = []
    for info in infos:
        host_address = info[4][0]
        if not isinstance(host_address, str):  # an AF_INET/AF_INET6 sockaddr's host is always a str
            continue
        try:
            addresses.append(ipaddress.ip_address(host_address.split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise UnsafeUrl("The webhook URL's host does not resolve.")
    # All of them, not just the first: a name resolving to one public and one private
    # address must not be let through by whichever order the resolver returns.
    if not all(_address_allowed(ip, allow_loopback=allow_loopback) for ip in addresses):
        raise UnsafeUrl(
            "The webhook URL must not point to a private, loopback, link-local or multicast address."
        )
    if scheme != "https" and not all(ip.is_loopback for ip in addresses):
        raise UnsafeUrl("The webhook URL must use https.")
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)

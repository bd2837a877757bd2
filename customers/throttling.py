"""Per-key rate limit of the customers API and the API-key revocation epoch, in one cache trip.

Each authenticated request makes one Redis round trip: a small Lua script counts the
request in its key's window and reads the revocation epoch that validates the per-process
API-key cache (customers.authentication). Any other cache backend (the embedded default's
local memory) runs the same steps through Django's cache API.

If the cache is unreachable the request goes through (availability over strictness) and a
warning is logged, never naming the key; the key itself is then checked in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import weakref
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.conf import app_settings
from core.errors import RateLimited

logger = logging.getLogger("onboarding.customers.ratelimit")

EPOCH_NAME = "customers:apikey-epoch"
COUNTER_NAME = "customers:rl:{period}:{key}"
UNAVAILABLE_WARNING = "rate limit cache unavailable; request allowed without limiting"

# KEYS[1]: the revocation epoch; KEYS[2] (optional): the key's counter for this window.
# ARGV[1]: the window in seconds. Returns {count, seconds left, epoch}; the epoch is false
# (nil) when it cannot be read, so the caller verifies the key in PostgreSQL instead.
# A missing epoch (Redis restarted empty, flushed) is set to a value no worker can hold:
# the server's clock to the microsecond, so every cached verification is redone once.
GATE_SCRIPT = """
local count, ttl = 0, 0
if #KEYS > 1 then
  count = redis.call('INCR', KEYS[2])
  ttl = redis.call('TTL', KEYS[2])
  if count == 1 or ttl < 0 then
    redis.call('EXPIRE', KEYS[2], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
end
local epoch = redis.pcall('GET', KEYS[1])
if type(epoch) == 'table' and epoch.err then
  return {count, ttl, false}
end
if not epoch then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], 'boot:' .. now[1] .. '.' .. now[2], 'NX')
  epoch = redis.pcall('GET', KEYS[1])
  if type(epoch) ~= 'string' then
    return {count, ttl, false}
  end
end
return {count, ttl, epoch}
"""

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@memoize
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) from django-ratelimit's notation: "10/s", "100/60s", "5/15m"."""
    match = _RATE_RE.match(rate)
    if match is None:
        raise ValueError(f"invalid rate {rate!r}: expected e.g. '10/s' or '100/60s'")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIODS[unit]


@dataclass(frozen=True)
class Gate:
    """One authenticated request's view of the cache."""

    count: int | None  # requests in this key's window, this one included; None: not counted
    limit: int
    period: int
    reset_in: int  # seconds until the window ends
    epoch: str | None  # the revocation epoch; None: could not be read
    available: bool = True  # False: the cache did not answer at all

    @property
    def over_limit(self) -> bool:
        return self.count is not None and self.count > self.limit


def _redis_client():
    """The raw redis-py client behind the default cache, or None for other backends."""
    if "django_redis" not in type(caches["default"]).__module__:
        return None
    from django_redis import get_redis_connection  # type: ignore[import-untyped]

    return get_redis_connection("default")


# Per cache backend instance (Django keeps one per thread): its redis-py client, or None.
_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _gate_client(backend: Any) -> Any:
    try:
        return _clients[backend]
    except KeyError:
        client = _clients[backend] = _redis_client()
        return client


GATE_SHA = hashlib.sha1(GATE_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis names scripts by SHA-1)


class _GateChannel(threading.local):
    """This thread's own connection for the gate, outside the cache's pool.

    The gate runs on every authenticated request: through the client API a call takes a
    connection from the pool, checks it, packs, parses and hands it back (~125 µs of CPU
    here); on a connection of its own the same EVALSHA costs a write and a read.
    """

    pool: Any = None
    connection: Any = None
    served = False  # the connection has answered a call: a later failure may be staleness


_channel = _GateChannel()


def _gate_connection(client):
    pool = client.connection_pool
    if _channel.pool is not pool or _channel.connection is None:
        if _channel.connection is not None:
            _channel.connection.disconnect()
        # The pool's own connection class and settings (address, timeouts, credentials).
        _channel.connection = pool.connection_class(**pool.connection_kwargs)
        _channel.pool = pool
        _channel.served = False
    return _channel.connection


def gate_script_run(client, keys: list[str], args: list[object]) -> list:
    """EVALSHA the gate script on this thread's connection (EVAL once when Redis lost it).

    A connection that had answered before and now fails to connect or is reset (Redis
    restarted or dropped it since the last request) is replaced and the call made once
    more; a timeout, or a failure of a new connection, is raised to the caller at once
    (so a Redis that does not answer costs one timeout, not two).
    """
    while True:
        connection = _gate_connection(client)
        stale = _channel.served
        try:
            try:
                connection.send_command("EVALSHA", GATE_SHA, len(keys), *keys, *args, check_health=False)
                reply = connection.read_response()
            except NoScriptError:
                connection.send_command("EVAL", GATE_SCRIPT, len(keys), *keys, *args, check_health=False)
                reply = connection.read_response()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            connection.disconnect()
            _channel.connection = None
            if not stale or isinstance(exc, (RedisTimeoutError, TimeoutError)):
                raise
            continue
        _channel.served = True
        return reply


def _decode(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def gate_read(*, key_id: object | None, rate: str) -> Gate:
    """Count one request for `key_id` (when given) and read the revocation epoch, in one trip.

    Raises on a cache failure; callers decide what failing open means for them.
    """
    limit, period = parse_rate(rate)
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        key_id = None  # limits switched off (as django-ratelimit honours it): epoch only
    backend = caches["default"]
    epoch_key = backend.make_key(EPOCH_NAME)
    counter_key = backend.make_key(COUNTER_NAME.format(period=period, key=key_id)) if key_id else None
    client = _gate_client(backend)
    if client is not None:
        keys = [epoch_key] if counter_key is None else [epoch_key, counter_key]
        count, ttl, epoch = gate_script_run(client, keys, [period])
        return Gate(int(count) if counter_key else None, limit, period, max(0, int(ttl)), _decode(epoch))
    # Other backends (local memory): the same steps, several calls; the names are unprefixed
    # here because Django's cache API applies the prefix itself.
    count = None
    if counter_key is not None:
        name = COUNTER_NAME.format(period=period, key=key_id)
        cache.add(name, 0, period)
        count = cache.incr(name)
    epoch = cache.get(EPOCH_NAME)
    if epoch is None:
        cache.add(EPOCH_NAME, f"boot:{secrets.token_hex(8)}", None)
        epoch = cache.get(EPOCH_NAME)
    return Gate(count, limit, period, period, epoch if isinstance(epoch, str) else None)


def gate_unavailable(*, rate: str) -> Gate:
    limit, period = parse_rate(rate)
    return Gate(None, limit, period, period, None, available=False)


def epoch_bump() -> None:
    """Give the revocation epoch a new value: every worker's cached key checks are redone."""
    value = f"bump:{secrets.token_hex(16)}"
    client = _redis_client()
    if client is not None:
        client.set(cache.make_key(EPOCH_NAME), value)
    else:
        cache.set(EPOCH_NAME, value, None)


class ApiKeyRateThrottle(BaseThrottle):
    """Counts every authenticated request against its key; over the rate is a 429.

    Authentication usually counted the request already (the same trip that read the
    epoch) and left its Gate on the request; otherwise the count is made here.
    """

    def allow_request(self, request: Request, view) -> bool:
        if request.auth is None:
            return True
        gate = getattr(request._request, "customers_gate", None)  # noqa: SLF001 (the HttpRequest)
        if gate is not None and not gate.available:
            logger.warning(UNAVAILABLE_WARNING)
            return True
        if gate is None or (gate.count is None and getattr(settings, "RATELIMIT_ENABLE", True)):
            try:
                gate = gate_read(key_id=request.auth.pk, rate=app_settings.CUSTOMERS_RATE_LIMIT)
            except Exception:
                logger.warning(UNAVAILABLE_WARNING)
                return True
        if gate.over_limit:
            raise RateLimited("Too many requests for this API key, retry later", retry_after=gate.reset_in)
        return True

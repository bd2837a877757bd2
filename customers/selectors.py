"""Reads of the customers app: scoped to one organization, paginated without deep COUNT(*)."""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.db import model_from_values, prepared_rows
from core.errors import NotFound

from .errors import CustomersErrorCode as Code
from .models import Challenge, Customer, Organization

logger = logging.getLogger("onboarding.customers.selectors")

# Seek points for deep pages: every ANCHOR_EVERY-th customer in ascending order.
ANCHOR_EVERY = 10_000
ANCHOR_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    limit: int
    total: int

    @property
    def has_more(self) -> bool:
        return (self.page - 1) * self.limit + len(self.items) < self.total


def parse_uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _ordering(order: str) -> tuple[str, str]:
    return ("created_at", "id") if order == "asc" else ("-created_at", "-id")


def _reverse(order: str) -> str:
    return "desc" if order == "asc" else "asc"


def _page_of(qs: QuerySet[Any], *, total: int, page: int, limit: int, order: str) -> list[Any]:
    """Rows [offset, offset+limit) of `qs` in `order`, in one query.

    An id-only subquery walks the (organization, created_at, id) index and the outer query
    fetches at most `limit` full rows. Past the middle, the same page is read from the other
    end with a smaller OFFSET and reversed, so the deepest page costs at most half a scan.
    """
    offset = (page - 1) * limit
    end = min(offset + limit, total)
    if offset >= end:
        return []
    wanted = end - offset
    if offset > total // 2:
        scan_order, scan_offset = _reverse(order), total - end
    else:
        scan_order, scan_offset = order, offset
    ids = qs.order_by(*_ordering(scan_order)).values("pk")[scan_offset : scan_offset + wanted]
    # The outer ORDER BY restores the requested order whichever end was scanned.
    return list(qs.model.objects.filter(pk__in=ids).order_by(*_ordering(order)))


# The columns of the customer's API body (serializers.customer_data); a test keeps them in
# step: a field missing here would cost a second query, not a wrong answer.
CUSTOMER_BODY_FIELDS = (
    "id",
    "ref_id",
    "name",
    "has_pin",
    "has_recovery",
    "recovery_methods",
    "pin_failed_attempts",
    "pin_locked_at",
    "pin_locked_until",
    "questions_failed_attempts",
    "questions_locked_at",
    "questions_locked_until",
    "email_failed_attempts",
    "email_locked_at",
    "email_locked_until",
    "created_at",
    "updated_at",
)


def customer_get(*, organization: Organization, customer_id: object) -> Customer:
    pk = parse_uuid(customer_id)
    customer = Customer.objects.filter(pk=pk, organization=organization).first() if pk is not None else None
    if customer is None:
        raise NotFound("Customer not found", code=Code.NOT_FOUND)
    return customer


def customer_read(*, organization: Organization, customer_id: object) -> Customer:
    """The customer for its API body: only the columns the body shows, by primary key.

    On PostgreSQL one prepared statement (no ORM query built per call); elsewhere the ORM.
    """
    pk = parse_uuid(customer_id)
    customer = None
    if pk is not None and connection.vendor == "postgresql":
        rows = prepared_rows(_customer_read_sql(), [pk, organization.pk])
        customer = _customer_from_row(rows[0]) if rows else None
    elif pk is not None:
        found = Customer.objects.filter(pk=pk, organization_id=organization.pk)
        found = found.only(*CUSTOMER_BODY_FIELDS)[:1]
        customer = next(iter(found), None)
    if customer is None:
        raise NotFound("Customer not found")
    return customer


@functools.cache
def _customer_read_fields() -> tuple[str, ...]:
    """CUSTOMER_BODY_FIELDS in the model's field order, the order of the read's columns."""
    return tuple(f.attname for f in Customer._meta.concrete_fields if f.attname in CUSTOMER_BODY_FIELDS)


@functools.cache
def _customer_read_sql() -> str:
    meta = Customer._meta
    wanted = _customer_read_fields()
    columns = ", ".join(str(f.column) for f in meta.concrete_fields if f.attname in wanted)
    return f"SELECT {columns} FROM {meta.db_table} WHERE id = %s AND organization_id = %s"  # noqa: S608


@functools.cache
def _customer_converters() -> tuple[tuple[int, Any], ...]:
    """Field converters the ORM would apply (jsonb arrives as text, as Django configures it)."""
    fields = [Customer._meta.get_field(name) for name in _customer_read_fields()]
    return tuple((i, f.from_db_value) for i, f in enumerate(fields) if hasattr(f, "from_db_value"))


def _customer_from_row(row: tuple[Any, ...]) -> Customer:
    values = list(row)
    for index, convert in _customer_converters():
        values[index] = convert(values[index], None, connection)
    return model_from_values(
        Customer, dict(zip(_customer_read_fields(), values, strict=True)), connection.alias
    )


def anchors_cache_key(organization_id: object) -> str:
    return f"customers:anchors:{organization_id}"


def _customer_anchors(organization: Organization, total: int) -> list[tuple[Any, uuid.UUID]] | None:
    """(created_at, id) of the customers at ascending positions K, 2K, 3K... (K = ANCHOR_EVERY).

    Customers are only appended (created_at = now, no deletion through the API), so a
    row's ascending position never moves and the anchors stay right as the list grows;
    they are rebuilt once K new rows have accumulated past the last one, or after an hour.
    Built by one window-function scan, guarded so concurrent requests do not all build.
    None (callers fall back to plain OFFSET) when the cache is unavailable or busy.
    """
    key = anchors_cache_key(organization.pk)
    try:
        cached = cache.get(key)
        if cached and cached["total"] <= total < cached["total"] + ANCHOR_EVERY:
            anchors: list[tuple[Any, uuid.UUID]] = cached["anchors"]
            return anchors
        if not cache.add(f"{key}:building", 1, 60):
            return None
    except Exception:
        logger.warning("cache unavailable; deep customer pages use plain OFFSET")
        return None
    try:
        table = Customer._meta.db_table
        rows = Customer.objects.raw(
            f"SELECT id, created_at FROM (SELECT id, created_at, "  # noqa: S608 (table name from the model)
            f"ROW_NUMBER() OVER (ORDER BY created_at, id) AS rn FROM {table} "
            f"WHERE organization_id = %s) ranked WHERE rn > 1 AND (rn - 1) %% %s = 0 ORDER BY rn",
            [organization.pk.hex if _sqlite() else organization.pk, ANCHOR_EVERY],
        )
        anchors = [(row.created_at, row.id) for row in rows]
        try:
            cache.set(key, {"total": total, "anchors": anchors}, ANCHOR_TTL_SECONDS)
        except Exception:
            logger.warning("cache unavailable; customer anchors not stored")
        return anchors
    finally:
        try:
            cache.delete(f"{key}:building")
        except Exception:  # noqa: S110 (the lock expires by itself)
            pass


def _sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _ascending_slice(
    qs: QuerySet[Any], anchors: list[tuple[Any, uuid.UUID]], start: int, count: int
) -> QuerySet[Any]:
    """Rows [start, start+count) in ascending order, seeking from the nearest anchor below."""
    index = min(start // ANCHOR_EVERY, len(anchors))
    if index == 0:
        return qs.order_by("created_at", "id").values("pk")[start : start + count]
    created_at, pk = anchors[index - 1]
    skip = start - index * ANCHOR_EVERY
    # The redundant `created_at >= anchor` becomes the index condition the seek starts from.
    seek = qs.filter(Q(created_at__gte=created_at), Q(created_at__gt=created_at) | Q(id__gte=pk))
    return seek.order_by("created_at", "id").values("pk")[skip : skip + count]


def customer_list(*, organization: Organization, page: int = 1, limit: int = 10, order: str = "desc") -> Page:
    """`total` is the organization's transactional counter, not a COUNT(*).

    Shallow pages (from either end) are a plain OFFSET on the (organization, created_at, id)
    index; a page deeper than ANCHOR_EVERY rows from both ends seeks from a cached anchor,
    so no page scans more than ~2 * ANCHOR_EVERY index entries, in two queries in all.
    """
    # The organization from a cached key check defers customer_count: reading it here
    # fetches the committed value (one indexed read), never one cached with the key.
    total = organization.customer_count
    qs = Customer.objects.filter(organization=organization)
    offset = (page - 1) * limit
    end = min(offset + limit, total)
    if offset >= end or min(offset, total - end) <= ANCHOR_EVERY:
        return Page(_page_of(qs, total=total, page=page, limit=limit, order=order), page, limit, total)
    anchors = _customer_anchors(organization, total)
    if anchors is None:
        return Page(_page_of(qs, total=total, page=page, limit=limit, order=order), page, limit, total)
    # A descending page is the mirror of an ascending range: positions [total-end, total-offset).
    start = offset if order == "asc" else total - end
    ids = _ascending_slice(qs, anchors, start, end - offset)
    items = list(Customer.objects.filter(pk__in=ids).order_by(*_ordering(order)))
    return Page(items, page, limit, total)


def challenge_status_q(status: str, *, now: Any = None) -> Q:
    """Filter on the effective status: an open challenge past its expiry reads `expired`."""
    now = now or timezone.now()
    if status == Challenge.Status.EXPIRED:
        return Q(status=Challenge.Status.EXPIRED) | Q(status__in=Challenge.OPEN_STATUSES, expires_at__lte=now)
    if status in Challenge.OPEN_STATUSES:
        return Q(status=status, expires_at__gt=now)
    return Q(status=status)


def challenge_list(
    *,
    organization: Organization,
    customer_id: object,
    page: int = 1,
    limit: int = 10,
    order: str = "desc",
    status: str | None = None,
) -> Page:
    customer = customer_get(organization=organization, customer_id=customer_id)
    qs = Challenge.objects.filter(customer=customer)
    if status:
        qs = qs.filter(challenge_status_q(status))
    total = qs.count()  # one customer's challenges: a handful of index entries
    return Page(_page_of(qs, total=total, page=page, limit=limit, order=order), page, limit, total)


def challenge_get(*, organization: Organization, customer_id: object, challenge_id: object) -> Challenge:
    customer_pk, challenge_pk = parse_uuid(customer_id), parse_uuid(challenge_id)
    challenge = None
    if customer_pk is not None and challenge_pk is not None:
        challenge = Challenge.objects.filter(
            pk=challenge_pk, customer_id=customer_pk, organization=organization
        ).first()
    if challenge is None:
        raise NotFound("Challenge not found", code=Code.NOT_FOUND)
    return challenge

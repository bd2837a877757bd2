"""Reads of the customers app: scoped to one organization, paginated without deep COUNT(*)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import NotFound

from .models import Challenge, Customer, Organization


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


def _page_of(qs: QuerySet, *, total: int, page: int, limit: int, order: str) -> list[Any]:
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


def customer_get(*, organization: Organization, customer_id: object) -> Customer:
    pk = parse_uuid(customer_id)
    customer = (
        Customer.objects.filter(pk=pk, organization=organization).first() if pk is not None else None
    )
    if customer is None:
        raise NotFound("Customer not found")
    return customer


def customer_list(*, organization: Organization, page: int = 1, limit: int = 10, order: str = "desc") -> Page:
    """`total` is the organization's transactional counter, not a COUNT(*)."""
    total = organization.customer_count
    qs = Customer.objects.filter(organization=organization)
    return Page(_page_of(qs, total=total, page=page, limit=limit, order=order), page, limit, total)


def challenge_status_q(status: str, *, now: Any = None) -> Q:
    """Filter on the effective status: an open challenge past its expiry reads `expired`."""
    now = now or timezone.now()
    if status == Challenge.Status.EXPIRED:
        return Q(status=Challenge.Status.EXPIRED) | Q(status__in=Challenge.OPEN_STATUSES, expires_at__lte=now)
    if status in Challenge.OPEN_STATUSES:
        return Q(status=status, expires_at__gt=now)
    return Q(status=status)


def challenge_list(
    *, organization: Organization, customer_id: object, page: int = 1, limit: int = 10,
    order: str = "desc", status: str | None = None,
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
        raise NotFound("Challenge not found")
    return challenge

"""Reads of the webhooks app, scoped to one organization (another's ids are a 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.errors import NotFound
from customers.models import Organization
from customers.selectors import Page, parse_uuid

from .models import Attempt, Delivery, Endpoint


def _ordering(order: str) -> tuple[str, str]:
    return ("created_at", "id") if order == "asc" else ("-created_at", "-id")


def endpoint_list(*, organization: Organization, page: int, limit: int, order: str) -> Page:
    qs = Endpoint.objects.filter(organization=organization)
    total = qs.count()
    offset = (page - 1) * limit
    items = list(qs.order_by(*_ordering(order))[offset : offset + limit])
    return Page(items=items, page=page, limit=limit, total=total)


def endpoint_get(*, organization: Organization, endpoint_id: object) -> Endpoint:
    pk = parse_uuid(endpoint_id)
    endpoint = Endpoint.objects.filter(pk=pk, organization=organization).first() if pk is not None else None
    if endpoint is None:
        raise NotFound("Webhook endpoint not found")
    return endpoint


def _with_attempts(qs: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return qs.select_related("event").prefetch_related(
        Prefetch("attempts", queryset=Attempt.objects.order_by("number"))
    )


def delivery_list(
    *,
    endpoint: Endpoint,
    page: int,
    limit: int,
    order: str,
    status: str | None = None,
    event: str | None = None,
) -> Page:
    qs = Delivery.objects.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event__name=event)
    total = qs.count()
    offset = (page - 1) * limit
    items = list(_with_attempts(qs.order_by(*_ordering(order)))[offset : offset + limit])
    return Page(items=items, page=page, limit=limit, total=total)


def delivery_get(*, endpoint: Endpoint, delivery_id: object) -> Delivery:
    pk = parse_uuid(delivery_id)
    delivery = _with_attempts(Delivery.objects.filter(pk=pk, endpoint=endpoint)).first() if pk else None
    if delivery is None:
        raise NotFound("Webhook delivery not found")
    return delivery

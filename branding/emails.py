"""Branded email: every message to a customer carries the organization's name, logo, accent and
support link, with a text part and an HTML part. Later notices reuse `branded_mail_send`."""

from __future__ import annotations

import uuid
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext

from .selectors import Brand, branding_for_org


def brand_sender(brand: Brand) -> str:
    """`"Acme Wallet via <product>" <address>`: the app's name, our configured address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    if brand.app_name:
        name = gettext("%(app)s via %(product)s") % {"app": brand.app_name, "product": brand.product_name}
    else:
        name = brand.product_name
    return formataddr((name, address))


def branded_mail_render(
    *, organization_id: uuid.UUID | None, template: str, context: dict[str, Any]
) -> tuple[str, str, str, Brand]:
    """Subject, text and HTML of templates/emails/<template>_subject.txt, .txt and .html."""
    brand = branding_for_org(organization_id=organization_id)
    full = {**context, "brand": brand, "app_name": brand.app_name or brand.product_name}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full).split())
    text = render_to_string(f"emails/{template}.txt", full)
    html = render_to_string(f"emails/{template}.html", full)
    return subject, text, html, brand


def branded_mail_send(
    *, organization_id: uuid.UUID | None, to: str, template: str, context: dict[str, Any]
) -> None:
    subject, text, html, brand = branded_mail_render(
        organization_id=organization_id, template=template, context=context
    )
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=brand_sender(brand), to=[to])
    message.attach_alternative(html, "text/html")
    message.send()

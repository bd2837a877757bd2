"""Our favicon: served from our origin, linked from the gateway pages and /v2/docs."""

import re

from django.contrib.staticfiles import finders

from tests.gateway.factories import challenge_make, link_path


def _icons(html: str) -> list[str]:
    return re.findall(r'<link rel="icon" href="([^"]+)"', html)


def test_gateway_pages_link_our_icons(client, db):
    opened = client.get(link_path(challenge_make()), follow=True)  # the PIN page of a fresh link
    assert opened.status_code == 200
    assert _icons(opened.content.decode()) == ["/static/favicon.ico", "/static/favicon.svg"]
    refused = client.get("/gateway/c/00000000-0000-4000-8000-000000000000/not-a-token")
    assert refused.status_code == 404
    assert _icons(refused.content.decode()) == ["/static/favicon.ico", "/static/favicon.svg"]


def test_api_docs_link_our_icon(client):
    page = client.get("/v2/docs")
    assert page.status_code == 200
    assert _icons(page.content.decode()) == ["/static/favicon.svg"]


def test_favicon_ico_redirects_to_the_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"


def test_the_icon_files_are_real_images():
    with open(finders.find("favicon.ico"), "rb") as ico:
        data = ico.read()
    assert data[:4] == b"\x00\x00\x01\x00"  # ICO header, one image...
    assert data[22:30] == b"\x89PNG\r\n\x1a\n"  # ...a 32x32 PNG
    with open(finders.find("favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')

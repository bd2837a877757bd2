"""Our favicon: served from our origin, linked from the gateway pages and /v2/docs."""

import re

from django.contrib.staticfiles import finders


def _icons(html: str) -> list[str]:
    return re.findall(r'<link rel="icon" href="([^"]+)"', html)


def test_gateway_pages_link_our_icons(client):
    page = client.get("/gateway/demo/return?challengeId=x&status=verified")
    assert page.status_code == 200
    assert _icons(page.content.decode()) == ["/static/favicon.ico", "/static/favicon.svg"]


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

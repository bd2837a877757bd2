"""`manage.py create_api_client NAME` prints clientId and clientSecret, and they work."""

from io import StringIO

import pytest
from django.core.management import call_command

from merchants.models import ApiClient

pytestmark = pytest.mark.django_db


def test_create_api_client_prints_two_lines_and_stores_only_a_hash(api, secret_registry):
    out = StringIO()
    call_command("create_api_client", "Acme Payments", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("clientId=") and lines[1].startswith("clientSecret=")
    client_id, secret = lines[0].split("=", 1)[1], lines[1].split("=", 1)[1]
    secret_registry.add(secret)
    assert len(secret) >= 22  # >= 128 bits in base64url
    stored = ApiClient.objects.get(client_id=client_id)
    assert stored.name == "Acme Payments" and stored.is_enabled
    assert secret not in stored.secret_hash
    response = api.post("/v2/auth/token", {"clientId": client_id, "clientSecret": secret}, format="json")
    assert response.status_code == 200
    secret_registry.add(response.json()["accessToken"])


def test_each_client_gets_its_own_random_credentials(secret_registry):
    outs = []
    for _ in range(2):
        out = StringIO()
        call_command("create_api_client", "Same Name", stdout=out)
        outs.append(out.getvalue().splitlines())
        secret_registry.add(outs[-1][1].split("=", 1)[1])
    assert outs[0][0] != outs[1][0] and outs[0][1] != outs[1][1]

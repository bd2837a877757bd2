"""The backoffice (issue 12, item 2): custom admin actions need their own permission (viewing is
not deciding); staff sign-in throttled per user and address (django-axes); staff sessions end
after a working day; TOTP second factor (django-otp), required when STAFF_OTP_REQUIRED is on."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from customers.models import ApiKey
from customers.services import api_key_create, organization_create
from merchants.models import Account, ApiClient
from onboarding import services as onboarding_services
from onboarding.models import OnboardingApplication
from tests.merchants import conftest as merchant_fixtures
from tests.onboarding import factories as onboarding_factories

partner = merchant_fixtures.partner
account = merchant_fixtures.account

pytestmark = pytest.mark.django_db
STAFF_PASSWORD = "Backoffice#Pass-2026"
VIEW_PERMISSIONS = [
    ("accounts", "view_account"),
    ("accounts", "view_pendingaccount"),
    ("accounts", "view_apiclient"),
    ("onboarding", "view_onboardingapplication"),
    ("customers", "view_apikey"),
]


def _grant(user, *perms) -> None:
    for app_label, codename in perms:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


@pytest.fixture
def viewer(client, django_user_model, secret_registry):
    secret_registry.add(STAFF_PASSWORD)
    user = django_user_model.objects.create_user("viewer", password=STAFF_PASSWORD, is_staff=True)
    _grant(user, *VIEW_PERMISSIONS)
    client.force_login(user)
    return client, user


@pytest.fixture
def targets(account, partner, secret_registry):
    client, _ = partner
    application = onboarding_services.application_create(
        account=account, body=onboarding_factories.application("STARTER")
    )
    organization = organization_create(name="Acme Wallet", redirect_origins=[], actor="test")
    api_key, raw = api_key_create(organization=organization, kind=ApiKey.Kind.FULL, name="ops", actor="test")
    secret_registry.add(raw)
    return {"account": account, "client": client, "application": application, "api_key": api_key}


# (changelist, action, the object's key in `targets`)
ACTIONS = [
    ("/admin/accounts/pendingaccount/", "approve_accounts", "account"),
    ("/admin/accounts/pendingaccount/", "decline_accounts", "account"),
    ("/admin/accounts/account/", "approve_accounts", "account"),
    ("/admin/accounts/apiclient/", "disable_clients", "client"),
    ("/admin/onboarding/onboardingapplication/", "approve_applications", "application"),
    ("/admin/onboarding/onboardingapplication/", "decline_applications", "application"),
    ("/admin/customers/apikey/", "revoke_keys", "api_key"),
]


def _state(targets) -> tuple:
    return (
        Account.objects.get(pk=targets["account"].pk).status,
        ApiClient.objects.get(pk=targets["client"].pk).is_enabled,
        OnboardingApplication.objects.get(pk=targets["application"].pk).status,
        ApiKey.objects.get(pk=targets["api_key"].pk).revoked_at,
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("url", "action", "key"), ACTIONS)
def test_a_view_only_staff_member_can_run_no_custom_action(viewer, targets, url, action, key):
    client, _ = viewer
    listing = client.get(url)
    assert listing.status_code == 200
    assert f'value="{action}"' not in listing.content.decode()  # not offered
    before = _state(targets)
    shown = re.findall(r'name="reviewed_version" value="([^"]+)"', listing.content.decode())
    forged = client.post(
        url,
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [str(targets[key].pk)],
            "apply": "1",
            "reason": "forged by a viewer",
            "reviewed_version": shown,  # the version a reviewer would post
        },
    )
    assert forged.status_code in (200, 302)
    assert _state(targets) == before  # nothing approved, declined, disabled or revoked; no audit row


def test_the_approve_button_of_an_application_refuses_a_view_only_staff_member(viewer, targets):
    client, _ = viewer
    application = targets["application"]
    page = client.get(f"/admin/onboarding/onboardingapplication/{application.pk}/change/")
    assert page.status_code == 200 and "Approve this application" not in page.content.decode()
    before = _state(targets)
    url = f"/admin/onboarding/onboardingapplication/{application.pk}/approve/"
    assert client.post(url, {"reviewed_version": f"{application.pk}:anything"}).status_code == 403
    assert _state(targets) == before


def test_the_decision_permissions_are_what_an_action_needs(viewer, targets):
    client, user = viewer
    _grant(
        user,
        ("accounts", "approve_account"),
        ("accounts", "disable_apiclient"),
        ("customers", "revoke_apikey"),
    )
    for url, action, key in [ACTIONS[0], ACTIONS[3], ACTIONS[6]]:
        assert f'value="{action}"' in client.get(url).content.decode()
        client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [str(targets[key].pk)]})
    assert Account.objects.get(pk=targets["account"].pk).status == Account.Status.APPROVED
    assert not ApiClient.objects.get(pk=targets["client"].pk).is_enabled
    assert ApiKey.objects.get(pk=targets["api_key"].pk).revoked_at is not None
    # Approving is not declining: the decline action is still not offered.
    assert 'value="decline_accounts"' not in client.get(ACTIONS[0][0]).content.decode()


# --- sign-in -------------------------------------------------------------------------------


@pytest.fixture
def staff_user(django_user_model, secret_registry):
    secret_registry.add(STAFF_PASSWORD)
    user = django_user_model.objects.create_user("ops.lead", password=STAFF_PASSWORD, is_staff=True)
    _grant(user, *VIEW_PERMISSIONS)
    return user


def _sign_in(client, password, address, **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "ops.lead", "password": password, "next": "/admin/", **extra},
        REMOTE_ADDR=address,
    )


def test_five_wrong_staff_passwords_lock_that_user_at_that_address_only(client, staff_user, secret_registry):
    secret_registry.add("Guess#Number-1")
    for _ in range(4):
        assert _sign_in(client, "Guess#Number-1", "203.0.113.9").status_code == 200  # the form again
    assert _sign_in(client, "Guess#Number-1", "203.0.113.9").status_code == 429  # the fifth locks
    # Locked at that address even with the right password...
    assert _sign_in(client, STAFF_PASSWORD, "203.0.113.9").status_code == 429
    assert "_auth_user_id" not in client.session
    # ...the owner from the office signs in.
    assert _sign_in(client, STAFF_PASSWORD, "198.51.100.4").status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)
    row = AuditEvent.objects.get(action="staff.sign_in_locked")
    assert row.target_id == str(staff_user.pk) and row.data["ip_address"] == "203.0.113.9"


def test_a_staff_session_ends_one_working_day_after_sign_in(client, staff_user):
    assert _sign_in(client, STAFF_PASSWORD, "198.51.100.4").status_code == 302
    expiry = client.session.get_expiry_date()
    assert timedelta(hours=7, minutes=59) < expiry - timezone.now() <= timedelta(hours=8)
    assert client.get("/admin/").status_code == 200
    # Activity does not extend it: a day later the same cookie gets the sign-in page.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def _enrol(client) -> TOTPDevice:
    page = client.get("/admin/otp/enrol/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(confirmed=False)
    assert re.search(r'<code id="otp-key">([A-Z2-7]+)</code>', page.content.decode())
    return device


def _code(device, drift=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def test_required_totp_sends_staff_to_enrolment_and_then_asks_for_the_code(client, staff_user, settings):
    settings.STAFF_OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's pause after a wrong code, not under test here
    assert _sign_in(client, STAFF_PASSWORD, "198.51.100.4").status_code == 302
    # Password alone opens nothing: every admin page sends the user to enrol.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/otp/enrol/"
    assert client.get("/admin/accounts/account/").status_code == 302
    device = _enrol(client)
    wrong = client.post(
        "/admin/otp/enrol/", {"otp_token": "000000" if _code(device) != "000000" else "111111"}
    )
    assert "That code is not valid" in wrong.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    done = client.post("/admin/otp/enrol/", {"otp_token": _code(device)})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.otp_enrolled", target_id=str(staff_user.pk)).exists()

    # A new sign-in: the password without the code is refused, with it accepted.
    client.logout()
    refused = _sign_in(client, STAFF_PASSWORD, "198.51.100.4")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    # django-otp refuses a code already used (and older ones): the next step's code is accepted.
    accepted = _sign_in(client, STAFF_PASSWORD, "198.51.100.4", otp_token=_code(device, drift=1))
    assert accepted.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_enrolled_staff_need_their_code_even_when_it_is_not_required(client, staff_user, settings):
    settings.STAFF_OTP_REQUIRED = False
    assert _sign_in(client, STAFF_PASSWORD, "198.51.100.4").status_code == 302
    device = _enrol(client)
    assert client.post("/admin/otp/enrol/", {"otp_token": _code(device)}).status_code == 302
    client.logout()
    assert _sign_in(client, STAFF_PASSWORD, "198.51.100.4").status_code == 200  # code missing
    assert (
        _sign_in(client, STAFF_PASSWORD, "198.51.100.4", otp_token=_code(device, drift=1)).status_code == 302
    )

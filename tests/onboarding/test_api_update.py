"""GET/PUT /v2/onboard/{refNo}: owner only (404 otherwise), updates only while NEW or DECLINED."""

import pytest

from onboarding import selectors, services
from onboarding.models import OnboardingApplication

from . import factories
from .conftest import upload

pytestmark = pytest.mark.django_db


def _snapshot(ref):
    application = OnboardingApplication.objects.get(reference_number=ref)
    return (
        application.status,
        application.merchant_name,
        application.updated_at,
        selectors.application_body(application=application),
        application.documents.count(),
    )


def test_put_while_new_replaces_and_stays_new(holder, submitted):
    ref = submitted("CORPORATION")
    changed = factories.application("SOLE_PROPRIETOR", merchantName="Sari Sari Two")
    response = holder.put(f"/v2/onboard/{ref}", changed, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["onboardingStatus"] == "NEW"
    body = holder.get(f"/v2/onboard/{ref}").json()
    assert body["merchantName"] == "Sari Sari Two" and body["businessType"] == "SOLE_PROPRIETOR"
    assert len(body["incorporators"]) == 1


def test_put_with_bad_body_changes_nothing(holder, submitted):
    ref = submitted()
    before = _snapshot(ref)
    bad = factories.application("CORPORATION", tin="nope")
    response = holder.put(f"/v2/onboard/{ref}", bad, format="json")
    assert response.status_code == 400 and response.json()["message"][0].startswith("tin must be a valid TIN")
    assert _snapshot(ref) == before


@pytest.mark.parametrize("status", ["APPROVED", "PENDING"])
def test_put_while_approved_or_pending_is_409_and_changes_nothing(holder, submitted, status):
    ref = submitted()
    OnboardingApplication.objects.filter(reference_number=ref).update(status=status)
    before = _snapshot(ref)
    response = holder.put(f"/v2/onboard/{ref}", factories.application(merchantName="Changed"), format="json")
    assert response.status_code == 409
    assert response.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": f"An onboarding application cannot be updated while {status}",
    }
    assert _snapshot(ref) == before


def test_files_of_an_approved_application_cannot_change(holder, submitted, media_root):
    ref = submitted()
    OnboardingApplication.objects.filter(reference_number=ref).update(status="APPROVED")
    response = upload(holder, ref, secCert=factories.PDF)
    assert response.status_code == 409
    assert not list(media_root.rglob("*.pdf"))


def test_another_accounts_application_is_404_everywhere(holder, submitted, make_holder, media_root):
    ref = submitted()
    before = _snapshot(ref)
    other = make_holder()
    expected = {"statusCode": 404, "message": "Onboarding application not found", "error": "Not Found"}
    assert other.get(f"/v2/onboard/{ref}").json() == expected
    assert other.get(f"/v2/onboard/{ref}/status").status_code == 404
    put = other.put(f"/v2/onboard/{ref}", factories.application(merchantName="Hijack"), format="json")
    assert put.status_code == 404 and put.json() == expected
    files = upload(other, ref, secCert=factories.PDF)
    assert files.status_code == 404 and files.json() == expected
    assert _snapshot(ref) == before and not list(media_root.rglob("*.pdf"))


@pytest.mark.parametrize("ref", ["not-a-uuid", "12345", "1b4e28ba-2fa1-4d2a-8b3c-9e5f6a7b8c9d", "%00"])
def test_malformed_or_unknown_refno_is_404(holder, ref):
    for response in (
        holder.get(f"/v2/onboard/{ref}"),
        holder.get(f"/v2/onboard/{ref}/status"),
        holder.put(f"/v2/onboard/{ref}", factories.application(), format="json"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["statusCode"] == 404


def test_declined_application_is_resubmitted_as_pending(holder, submitted, django_user_model):
    ref = submitted()
    staff = django_user_model.objects.create_user("rev", is_staff=True)
    application = OnboardingApplication.objects.get(reference_number=ref)
    services.application_decline(application=application, declined_by=staff, reason="TIN does not match")
    status = holder.get(f"/v2/onboard/{ref}/status").json()
    assert status["onboardingStatus"] == "DECLINED" and status["declinedReason"] == "TIN does not match"
    response = holder.put(f"/v2/onboard/{ref}", factories.application(tin="987-654-321"), format="json")
    assert response.status_code == 200
    assert response.json()["onboardingStatus"] == "PENDING" and response.json()["declinedReason"] is None
    assert holder.get(f"/v2/onboard/{ref}").json()["tin"] == "987-654-321"
    # A declined-then-resubmitted application is still the one open application.
    assert holder.post("/v2/onboard", factories.application(), format="json").status_code == 400


@pytest.mark.parametrize(
    "path", ["/v2/onboard", "/v2/onboard/{ref}", "/v2/onboard/{ref}/status", "/v2/onboard/{ref}/files"]
)
def test_options_and_other_methods_are_405_not_500(holder, submitted, path):
    url = path.format(ref=submitted() if "{ref}" in path else "")
    for method in ("options", "patch", "delete"):
        response = getattr(holder, method)(url)
        assert response.status_code == 405, (method, response.content)
        assert response.json()["statusCode"] == 405

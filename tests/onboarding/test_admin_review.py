"""Staff review in the admin: documents for staff only, Approve (with the account), Decline with reason."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages

from core.models import AuditEvent
from merchants.models import Account, Branch
from onboarding.models import OnboardingApplication, OnboardingDocument

from . import factories
from .conftest import shown_versions, upload

pytestmark = pytest.mark.django_db
LIST = "/admin/onboarding/onboardingapplication/"


def _action(client, action, ids, **extra):
    """Open the list, select rows, run the action: the list's versions go back with it."""
    shown = {"reviewed_version": shown_versions(client)}
    return client.post(
        LIST, {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], **shown, **extra}
    )


def _complete(holder, ref, business_type="CORPORATION"):
    files = {name: (f"{name}.pdf", factories.PDF) for name in factories.REQUIRED[business_type]}
    files["storePhoto"] = ("shop.jpg", factories.JPEG)
    assert upload(holder, ref, **files).status_code == 201


def test_staff_see_the_application_and_download_its_documents(staff, holder, submitted):
    client, _ = staff
    ref = submitted()
    upload(holder, ref, secCert=("sec.pdf", factories.PDF), storePhoto=("shop.png", factories.PNG))
    application = OnboardingApplication.objects.get()
    listing = client.get(LIST).content.decode()
    assert "Sari Sari Store" in listing and "idsOfValidSignatories" in listing  # missing documents column
    page = client.get(f"{LIST}{application.pk}/change/").content.decode()
    assert "123-456-789-000" in page and "Sari Sari Corp." in page  # the decrypted application
    document = OnboardingDocument.objects.get(field="storePhoto")
    link = f"{LIST}{application.pk}/documents/{document.pk}/"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == factories.PNG
    # named after the application and field, with the detected type's extension (issue 12)
    assert response["Content-Disposition"] == f'attachment; filename="{ref}-storePhoto.png"'
    assert AuditEvent.objects.filter(action="onboarding.document_viewed", actor="staff:reviewer").exists()
    # another application's id in the path does not reach the document
    assert client.get(f"{LIST}{application.pk + 1}/documents/{document.pk}/").status_code == 404


def test_documents_are_not_reachable_without_staff_or_by_a_media_url(
    client, holder, submitted, django_user_model
):
    ref = submitted()
    upload(holder, ref, secCert=factories.PDF)
    document = OnboardingDocument.objects.get()
    link = f"{LIST}{document.application_id}/documents/{document.pk}/"
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(django_user_model.objects.create_user("plain", password="x-unused-x"))
    assert client.get(link).status_code == 302
    for url in (
        f"/media/{document.storage_name}",
        f"/{document.storage_name}",
        f"/static/../var/media/{document.storage_name}",
    ):
        assert client.get(url).status_code == 404


def test_approval_needs_every_required_document(staff, holder, submitted):
    client, _ = staff
    ref = submitted("SOLE_PROPRIETOR")
    upload(holder, ref, idsOfValidSignatories=factories.PDF)
    application = OnboardingApplication.objects.get()
    response = _action(client, "approve_applications", [application.pk])
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Documents still missing: mayorsOrBusinessPermit, birCert2303, storePhoto" in t for t in texts)
    application.refresh_from_db()
    holder.account.refresh_from_db()
    assert application.status == "NEW" and holder.account.status == "PENDING" and not Branch.objects.exists()


def test_approve_action_approves_the_pending_account_with_a_branch_named_after_the_merchant(
    staff, holder, submitted
):
    client, user = staff
    ref = submitted()
    _complete(holder, ref)
    application = OnboardingApplication.objects.get()
    assert _action(client, "approve_applications", [application.pk]).status_code == 302
    application.refresh_from_db()
    account = Account.objects.get(pk=holder.account.pk)
    assert application.status == "APPROVED" and application.decided_by == user
    assert account.status == "APPROVED" and account.branch.name == "Sari Sari Store"
    assert AuditEvent.objects.filter(action="onboarding.approved", actor="staff:reviewer").exists()
    assert AuditEvent.objects.filter(action="merchant_account.approved").exists()
    # approving again changes nothing
    _action(client, "approve_applications", [application.pk])
    assert Branch.objects.count() == 1


def test_an_already_approved_account_keeps_its_branch(staff, holder, submitted):
    from merchants import services as account_services

    client, user = staff
    branch = account_services.account_approve(account=holder.account, approved_by=user)
    ref = submitted()
    _complete(holder, ref)
    _action(client, "approve_applications", [OnboardingApplication.objects.get().pk])
    assert OnboardingApplication.objects.get().status == "APPROVED"
    assert list(Branch.objects.all()) == [branch]


def test_decline_asks_for_a_reason_then_the_holder_reads_it(staff, holder, submitted):
    client, _ = staff
    ref = submitted()
    application = OnboardingApplication.objects.get()
    page = _action(client, "decline_applications", [application.pk])
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert "Sari Sari Store" in page.content.decode()
    blank = _action(client, "decline_applications", [application.pk], apply="1", reason="  ")
    assert blank.status_code == 200
    application.refresh_from_db()
    assert application.status == "NEW"
    done = _action(client, "decline_applications", [application.pk], apply="1", reason="Blurred ID")
    assert done.status_code == 302
    status = holder.get(f"/v2/onboard/{ref}/status").json()
    assert status["onboardingStatus"] == "DECLINED" and status["declinedReason"] == "Blurred ID"
    assert AuditEvent.objects.filter(action="onboarding.declined").exists()


def test_decline_update_pending_approve_cycle(staff, holder, submitted):
    client, _ = staff
    ref = submitted()
    application = OnboardingApplication.objects.get()
    _action(client, "decline_applications", [application.pk], apply="1", reason="Missing documents")
    assert holder.get(f"/v2/onboard/{ref}/status").json()["onboardingStatus"] == "DECLINED"
    _complete(holder, ref)
    put = holder.put(
        f"/v2/onboard/{ref}", factories.application(merchantName="Sari Sari Reborn"), format="json"
    )
    assert put.status_code == 200 and put.json()["onboardingStatus"] == "PENDING"
    assert put.json()["missingDocuments"] == []
    _action(client, "approve_applications", [application.pk])
    status = holder.get(f"/v2/onboard/{ref}/status").json()
    assert status["onboardingStatus"] == "APPROVED" and status["declinedReason"] is None
    account = holder.get("/v2/account").json()
    assert account["status"] == "APPROVED" and account["branch"]["name"] == "Sari Sari Reborn"
    # approved: no more updates, no second application
    assert holder.put(f"/v2/onboard/{ref}", factories.application(), format="json").status_code == 409
    assert holder.post("/v2/onboard", factories.application(), format="json").status_code == 400


def test_declined_account_cannot_be_approved_through_its_application(staff, holder, submitted):
    from merchants import services as account_services

    client, user = staff
    ref = submitted()
    _complete(holder, ref)
    account_services.account_decline(account=holder.account, declined_by=user, reason="fraud")
    response = _action(client, "approve_applications", [OnboardingApplication.objects.get().pk])
    assert any("account itself was declined" in str(m) for m in get_messages(response.wsgi_request))
    assert OnboardingApplication.objects.get().status == "NEW" and not Branch.objects.exists()

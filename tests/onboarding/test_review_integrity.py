"""Staff review integrity (issue 12, item 7): a KYC download's type and extension come from the
file's bytes, never from the uploaded name; an approval applies only to the version staff saw."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEvent
from merchants.models import Account
from onboarding.models import OnboardingApplication, OnboardingDocument

from . import factories
from .conftest import ADMIN_LIST, shown_versions, upload

pytestmark = pytest.mark.django_db
CHANGED = "The application changed since you opened it"


def _complete(holder, ref, business_type="CORPORATION"):
    files = {name: (f"{name}.pdf", factories.PDF) for name in factories.REQUIRED[business_type]}
    files["storePhoto"] = ("shop.jpg", factories.JPEG)
    assert upload(holder, ref, **files).status_code == 201


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_pdf_uploaded_as_html_downloads_as_a_pdf(staff, holder, submitted):
    client, _ = staff
    ref = submitted()
    disguised = SimpleUploadedFile("<script>x</script>.html", factories.PDF, content_type="text/html")
    assert (
        holder.post(f"/v2/onboard/{ref}/files", {"secCert": disguised}, format="multipart").status_code == 201
    )
    document = OnboardingDocument.objects.get(field="secCert")
    response = client.get(f"{ADMIN_LIST}{document.application_id}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{ref}-secCert.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == factories.PDF


def test_a_stored_file_that_is_no_longer_an_allowed_type_downloads_as_opaque_bytes(staff, holder, submitted):
    client, _ = staff
    ref = submitted()
    upload(holder, ref, secCert=("sec.pdf", factories.PDF))
    document = OnboardingDocument.objects.get(field="secCert")
    # The bytes in storage were swapped for HTML behind the application's back.
    default_storage.delete(document.storage_name)
    default_storage.save(document.storage_name, ContentFile(b"<html><script>alert(1)</script></html>"))
    response = client.get(f"{ADMIN_LIST}{document.application_id}/documents/{document.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{ref}-secCert.bin"'


def test_approving_from_a_page_opened_before_the_holder_changed_the_application_is_refused(
    staff, holder, submitted
):
    client, _ = staff
    ref = submitted()
    _complete(holder, ref)
    application = OnboardingApplication.objects.get()
    page = client.get(f"{ADMIN_LIST}{application.pk}/change/").content.decode()
    seen = re.search(r'name="reviewed_version" value="([^"]+)"', page).group(1)
    # Meanwhile the holder replaces the details staff are looking at.
    changed = holder.put(
        f"/v2/onboard/{ref}", factories.application(merchantName="Other Shop"), format="json"
    )
    assert changed.status_code == 200
    response = client.post(f"{ADMIN_LIST}{application.pk}/approve/", {"reviewed_version": seen})
    assert response.status_code == 302
    assert CHANGED in _messages(response)
    application.refresh_from_db()
    account = Account.objects.get(pk=holder.account.pk)
    assert application.status == "NEW" and account.status == "PENDING" and account.branch is None
    assert not AuditEvent.objects.filter(action="onboarding.approved").exists()
    refused = AuditEvent.objects.get(action="onboarding.approval_refused")
    assert refused.actor == "staff:reviewer" and refused.data == {"reason": "changed since review"}
    # Opened again, the current version is approved.
    page = client.get(f"{ADMIN_LIST}{application.pk}/change/").content.decode()
    current = re.search(r'name="reviewed_version" value="([^"]+)"', page).group(1)
    assert current != seen
    assert (
        client.post(f"{ADMIN_LIST}{application.pk}/approve/", {"reviewed_version": current}).status_code
        == 302
    )
    application.refresh_from_db()
    assert application.status == "APPROVED"
    assert Account.objects.get(pk=holder.account.pk).branch.name == "Other Shop"


def test_the_list_action_refuses_an_application_whose_documents_changed_since_the_list_was_shown(
    staff, holder, submitted
):
    client, _ = staff
    ref = submitted()
    _complete(holder, ref)
    application = OnboardingApplication.objects.get()
    seen = shown_versions(client)
    upload(holder, ref, secCert=("sec-v2.pdf", factories.PDF + b"% a different file\n"))
    response = client.post(
        ADMIN_LIST,
        {
            "action": "approve_applications",
            ACTION_CHECKBOX_NAME: [str(application.pk)],
            "reviewed_version": seen,
        },
    )
    assert CHANGED in _messages(response)
    application.refresh_from_db()
    assert application.status == "NEW"
    assert AuditEvent.objects.filter(action="onboarding.approval_refused").count() == 1
    # An action posted without the versions the list showed approves nothing either.
    response = client.post(
        ADMIN_LIST, {"action": "approve_applications", ACTION_CHECKBOX_NAME: [application.pk]}
    )
    assert CHANGED in _messages(response)
    assert OnboardingApplication.objects.get().status == "NEW"

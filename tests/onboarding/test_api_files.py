"""POST /v2/onboard/{refNo}/files: content-sniffed PDF/JPEG/PNG, 10 MB, generated names, replacement."""

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from core.models import AuditEvent
from onboarding.models import OnboardingDocument

from . import factories
from .conftest import stored_files, upload

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def test_upload_pdf_jpeg_png_by_content(holder, submitted, media_root):
    ref = submitted("STARTER")
    response = upload(
        holder,
        ref,
        idsOfValidSignatories=("id.pdf", factories.PDF),
        idsOfValidSignatoriesBack=("back.jpg", factories.JPEG),
        barangayBusinessPermit=("permit.png", factories.PNG),
    )
    assert response.status_code == 201, response.content
    files = {f["fileType"]: f for f in response.json()["files"]}
    assert {k: (v["name"], v["contentType"]) for k, v in files.items()} == {
        "idsOfValidSignatories": ("id.pdf", "application/pdf"),
        "idsOfValidSignatoriesBack": ("back.jpg", "image/jpeg"),
        "barangayBusinessPermit": ("permit.png", "image/png"),
    }
    document = OnboardingDocument.objects.get(id=files["barangayBusinessPermit"]["id"])
    assert document.storage_name.startswith(f"onboarding/{ref}/") and document.storage_name.endswith(".png")
    assert default_storage.open(document.storage_name).read() == factories.PNG
    assert len(stored_files(media_root)) == 3
    assert AuditEvent.objects.filter(action="onboarding.document_uploaded").count() == 3
    status = holder.get(f"/v2/onboard/{ref}/status").json()
    assert status["missingDocuments"] == ["storePhoto"]  # isBrickAndMortarStore: true


def test_file_type_comes_from_content_not_name(holder, submitted):
    ref = submitted()
    response = upload(holder, ref, secCert=("scan.pdf", factories.PNG))
    assert response.status_code == 201
    assert response.json()["files"][0]["contentType"] == "image/png"
    assert OnboardingDocument.objects.get().storage_name.endswith(".png")


def _assert_nothing_stored(media_root):
    assert not OnboardingDocument.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"secCert": ("fake.pdf", b"this is not a pdf at all, just text pretending" * 10)},
            "secCert must be a PDF, JPEG or PNG file",
        ),
        ({"gis": ("evil.pdf", b"MZ\x90\x00" + b"\x00" * 300)}, "gis must be a PDF, JPEG or PNG file"),
        ({"gis": ("anim.gif", b"GIF89a" + b"\x00" * 300)}, "gis must be a PDF, JPEG or PNG file"),
        ({"storePhoto": ("empty.png", b"")}, "storePhoto should not be empty"),
        ({"selfie": ("me.png", factories.PNG)}, "property selfie should not exist"),
    ],
)
def test_bad_files_are_400_and_store_nothing(holder, submitted, media_root, files, message):
    ref = submitted()
    response = upload(holder, ref, **files)
    assert response.status_code == 400, response.content
    assert response.json()["statusCode"] == 400 and message in response.json()["message"]
    _assert_nothing_stored(media_root)


def test_one_bad_file_rejects_the_whole_request(holder, submitted, media_root):
    ref = submitted()
    response = upload(holder, ref, secCert=factories.PDF, gis=("x.pdf", b"%PDX-not really"))
    assert response.status_code == 400
    assert response.json()["message"] == ["gis must be a PDF, JPEG or PNG file"]
    _assert_nothing_stored(media_root)


def test_text_field_and_unknown_text_field(holder, submitted, media_root):
    ref = submitted()
    response = holder.post(f"/v2/onboard/{ref}/files", {"secCert": "hello", "note": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["message"] == ["secCert must be a file", "property note should not exist"]
    _assert_nothing_stored(media_root)


def test_no_files_and_not_multipart(holder, submitted, media_root):
    ref = submitted()
    empty = holder.post(f"/v2/onboard/{ref}/files", {}, format="multipart")
    assert empty.status_code == 400 and "files should not be empty" in empty.json()["message"][0]
    as_json = holder.post(f"/v2/onboard/{ref}/files", {"secCert": "x"}, format="json")
    assert as_json.status_code == 415 and as_json.json()["statusCode"] == 415
    _assert_nothing_stored(media_root)


def test_eleven_megabytes_is_413(holder, submitted, media_root):
    ref = submitted()
    big = b"%PDF-1.7\n" + b"0" * (11 * MB)
    response = upload(holder, ref, secCert=("big.pdf", big))
    assert response.status_code == 413
    assert response.json() == {
        "statusCode": 413,
        "message": "secCert must not be larger than 10 MB",
        "error": "Request Entity Too Large",
    }
    _assert_nothing_stored(media_root)


def test_exactly_ten_megabytes_is_accepted(holder, submitted):
    ref = submitted()
    response = upload(holder, ref, secCert=("ten.pdf", b"%PDF-1.7\n" + b"0" * (10 * MB - 9)))
    assert response.status_code == 201
    assert response.json()["files"][0]["size"] == 10 * MB


@override_settings(ONBOARDING={"ONBOARDING_UPLOAD_MAX_REQUEST_BYTES": 1000})
def test_request_over_the_request_limit_is_413(holder, submitted, media_root):
    ref = submitted()
    response = upload(holder, ref, secCert=("a.pdf", factories.PDF + b" " * 2000))
    assert response.status_code == 413
    assert "upload the documents in several requests" in response.json()["message"]
    _assert_nothing_stored(media_root)


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/tmp/x.pdf", "a\x00b.pdf", "<script>.pdf"]
)
def test_path_traversal_names_are_harmless(holder, submitted, media_root, name):
    ref = submitted()
    response = upload(holder, ref, secCert=(name, factories.PDF))
    assert response.status_code == 201, response.content
    document = OnboardingDocument.objects.get()
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert "<" not in document.original_name and ".." not in document.original_name.strip(".")[:2]
    files = stored_files(media_root)
    assert len(files) == 1 and files[0].parent == media_root / "onboarding" / ref
    assert files[0].name == f"{document.id.hex}.pdf"


def test_reupload_replaces_the_earlier_file(
    holder, submitted, media_root, django_capture_on_commit_callbacks
):
    ref = submitted()
    upload(holder, ref, secCert=("first.pdf", factories.PDF))
    first = OnboardingDocument.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(holder, ref, secCert=("second.png", factories.PNG))
    assert response.status_code == 201
    second = OnboardingDocument.objects.get()
    assert second.id != first.id and second.original_name == "second.png"
    assert [p.name for p in stored_files(media_root)] == [f"{second.id.hex}.png"]


def test_several_files_in_one_field_are_refused(holder, submitted, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ref = submitted()
    response = holder.post(
        f"/v2/onboard/{ref}/files",
        {"gis": [SimpleUploadedFile("a.pdf", factories.PDF), SimpleUploadedFile("b.pdf", factories.PDF)]},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["message"] == ["gis must be a single file"]
    _assert_nothing_stored(media_root)


def test_large_upload_is_streamed_to_a_temporary_file(holder, submitted, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from onboarding import services

    seen = []
    original = services.default_storage.save

    def spy(name, content, *args, **kwargs):
        seen.append(type(content))
        return original(name, content, *args, **kwargs)

    monkeypatch.setattr(services.default_storage, "save", spy)
    ref = submitted()
    assert upload(holder, ref, secCert=("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * MB))).status_code == 201
    assert seen == [TemporaryUploadedFile]


def test_an_empty_part_beside_good_files_is_400_and_stores_nothing(holder, submitted, media_root):
    # Found by fuzzing: the empty part was dropped silently and the others stored.
    ref = submitted()
    response = upload(
        holder,
        ref,
        secCert=("secCert.png", factories.PNG),
        mayorsOrBusinessPermit=("mayorsOrBusinessPermit", b""),
    )
    assert response.status_code == 400
    assert "mayorsOrBusinessPermit should not be empty" in response.json()["message"]
    _assert_nothing_stored(media_root)


def test_an_empty_part_without_content_type_is_400_too(holder, submitted, media_root):
    ref = submitted()
    boundary = "34308aea2ad93a09c614d089e1499d0e"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="secCert"; filename="secCert.png"\r\n\r\n'
        ).encode()
        + factories.PNG
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="mayorsOrBusinessPermit"; '
            f'filename="mayorsOrBusinessPermit"\r\n\r\n\r\n--{boundary}--\r\n'
        ).encode()
    )
    response = holder.generic(
        "POST", f"/v2/onboard/{ref}/files", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400, response.content
    assert "mayorsOrBusinessPermit should not be empty" in response.json()["message"]
    _assert_nothing_stored(media_root)


@pytest.mark.parametrize(
    ("part", "message"),
    [
        # No blank line between the part's headers and the next delimiter (as werkzeug encodes an
        # empty value): Django's parser skips such a part without a word.
        (
            b'Content-Disposition: form-data; name="mayorsOrBusinessPermit"; filename="permit.pdf"\r\n'
            b"Content-Type: application/pdf\r\n",
            "Malformed multipart body",
        ),
        # A browser's empty file input (filename="") reaches the parser as a text field.
        (
            b'Content-Disposition: form-data; name="mayorsOrBusinessPermit"; filename=""\r\n\r\n\r\n',
            "mayorsOrBusinessPermit must be a file",
        ),
    ],
)
def test_a_part_that_is_not_a_readable_file_is_400_and_stores_nothing(
    holder, submitted, media_root, part, message
):
    # Found by fuzzing: an unreadable part was dropped and the other files stored.
    ref = submitted()
    boundary = b"Fuzz7b3c0e4d9a"
    body = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="secCert"; '
        b'filename="secCert.png"\r\nContent-Type: image/png\r\n\r\n'
        + factories.PNG
        + b"\r\n--"
        + boundary
        + b"\r\n"
        + part
        + b"--"
        + boundary
        + b"--\r\n"
    )
    response = holder.generic(
        "POST",
        f"/v2/onboard/{ref}/files",
        body,
        content_type=f"multipart/form-data; boundary={boundary.decode()}",
    )
    assert response.status_code == 400, response.content
    assert message in str(response.json()["message"])
    _assert_nothing_stored(media_root)

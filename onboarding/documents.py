"""KYC documents: the form fields, which are required per business type, content sniffing and
a streaming upload handler that never keeps more than one chunk of a file in memory."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.datastructures import MultiValueDict

from core.conf import app_settings

from .errors import InvalidUpload, MalformedMultipart, PayloadTooLarge

BASE_DOCUMENTS = (
    "idsOfValidSignatories",
    "mayorsOrBusinessPermit",
    "birCert2303",
    "secCert",
    "gis",
    "aoiAndByLaws",
    "secretarysCert",
    "barangayBusinessPermit",
)
DOCUMENT_FIELDS = (
    *(f"{base}{variant}" for base in BASE_DOCUMENTS for variant in ("", "Back", "Signature")),
    "storePhoto",
)

_SOLE = ("idsOfValidSignatories", "mayorsOrBusinessPermit", "birCert2303")
_ENTITY = (*_SOLE, "secCert", "gis", "aoiAndByLaws", "secretarysCert")
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "STARTER": ("idsOfValidSignatories", "barangayBusinessPermit"),
    "SOLE_PROPRIETOR": _SOLE,
    "PARTNERSHIP": _ENTITY,
    "CORPORATION": _ENTITY,
}
# A physical store also shows a photo of it.
BRICK_AND_MORTAR_DOCUMENTS = ("storePhoto",)

# mime -> (extension, magic bytes the file must start with)
ALLOWED_KINDS = {
    "application/pdf": ("pdf", b"%PDF-"),
    "image/jpeg": ("jpg", b"\xff\xd8\xff"),
    "image/png": ("png", b"\x89PNG\r\n\x1a\n"),
}
SNIFF_BYTES = 262  # what `filetype` needs to recognise any type it knows
MSG_KIND = "must be a PDF, JPEG or PNG file"


def required_documents(*, business_type: str, brick_and_mortar: bool) -> list[str]:
    extra = BRICK_AND_MORTAR_DOCUMENTS if brick_and_mortar else ()
    return [*REQUIRED_DOCUMENTS.get(business_type, ()), *extra]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(mime, extension) when the first bytes are a PDF, JPEG or PNG, by content alone."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_KINDS:
        return None
    extension, magic = ALLOWED_KINDS[kind.mime]
    return (kind.mime, extension) if head.startswith(magic) else None


def read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def safe_display_name(name: str) -> str:
    """The client's file name as metadata only: no path, no control or odd characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.() -]", "_", name, flags=re.ASCII).strip(" .")
    return name[-200:] or "upload"


class StreamingUploadHandler(TemporaryFileUploadHandler):
    """Writes every chunk straight to a temporary file and hashes it on the way.

    A file past the per-file limit is dropped while it streams (its temporary file is
    deleted and the rest of its bytes discarded) and its field name recorded on the
    request, so the view can answer 413 after the body has been read.
    """

    OVERSIZED_ATTR = "_onboarding_oversized"

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,  # noqa: N803 (Django's signature)
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > app_settings.ONBOARDING_UPLOAD_MAX_REQUEST_BYTES:
            raise PayloadTooLarge(
                f"The request is larger than {_mb(app_settings.ONBOARDING_UPLOAD_MAX_REQUEST_BYTES)}; "
                "upload the documents in several requests"
            )
        super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        self._received = 0
        self._oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._oversized:
            return None
        if self._received > app_settings.ONBOARDING_FILE_MAX_BYTES:
            self._oversized = True
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            return None
        self._digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self._oversized:
            oversized = getattr(self.request, self.OVERSIZED_ATTR, [])
            oversized.append(self.field_name)
            setattr(self.request, self.OVERSIZED_ATTR, oversized)
            return None
        upload = super().file_complete(file_size)
        if upload is not None:
            upload.sha256 = self._digest.hexdigest()  # type: ignore[attr-defined]  # ours, read by validate_upload_form
        return upload


class PartCountingStream:
    """The request body stream, counting multipart delimiters as they stream past.

    Django's parser skips a part it cannot read (headers without the blank line after
    them, a file part without a file name) without a word; comparing this count with
    the parts it returned turns that into a 400 instead of storing the rest. Keeps only
    a delimiter's length of look-back, so streaming stays streaming.
    """

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream = stream
        self._patterns = {"delimiter": b"--" + boundary, "closing": b"--" + boundary + b"--"}
        self._counts = dict.fromkeys(self._patterns, 0)
        self._tail = b""

    @property
    def parts(self) -> int:
        return self._counts["delimiter"] - self._counts["closing"]

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return self._scan(self._stream.read(*args, **kwargs))

    def readline(self, *args: Any, **kwargs: Any) -> bytes:
        return self._scan(self._stream.readline(*args, **kwargs))

    def _scan(self, data: bytes) -> bytes:
        if data:
            window = self._tail + data
            for name, pattern in self._patterns.items():
                start = window.find(pattern)
                while start != -1:
                    if start + len(pattern) > len(self._tail):  # not counted with the last chunk
                        self._counts[name] += 1
                    start = window.find(pattern, start + 1)
            self._tail = window[-(len(self._patterns["closing"]) - 1) :]
        return data


def check_all_parts_read(
    *,
    counter: PartCountingStream | None,
    files: MultiValueDict,
    fields: MultiValueDict,
    oversized: Iterable[str],
) -> None:
    if counter is None:
        return
    read = (
        sum(len(v) for _, v in files.lists()) + sum(len(v) for _, v in fields.lists()) + len(list(oversized))
    )
    if read != counter.parts:
        raise MalformedMultipart(
            errors=[
                "Malformed multipart body: every part needs a field name, a file name and a blank "
                "line after its headers",
            ],
        )


def validate_upload_form(
    *, files: MultiValueDict, text_fields: Iterable[str], oversized: Iterable[str]
) -> dict[str, tuple[UploadedFile, str, str]]:
    """The parts of a files request, checked: {field: (upload, mime, extension)}; else 413/400."""
    too_big = list(oversized)
    if too_big:
        limit = _mb(app_settings.ONBOARDING_FILE_MAX_BYTES)
        raise PayloadTooLarge(", ".join(too_big) + f" must not be larger than {limit}")
    messages: list[str] = []
    for name in text_fields:
        if name in DOCUMENT_FIELDS:
            messages.append(f"{name} must be a file")
        else:
            messages.append(f"property {name} should not exist")
    clean: dict[str, tuple[UploadedFile, str, str]] = {}
    for name in files:
        uploads = files.getlist(name)
        if name not in DOCUMENT_FIELDS:
            messages.append(f"property {name} should not exist")
        elif len(uploads) > 1:
            messages.append(f"{name} must be a single file")
        elif uploads[0].size == 0:
            messages.append(f"{name} should not be empty")
        else:
            kind = sniff(read_head(uploads[0]))
            if kind is None:
                messages.append(f"{name} {MSG_KIND}")
            else:
                clean[name] = (uploads[0], *kind)
    if not files and not messages:
        messages.append("files should not be empty: send at least one of " + ", ".join(DOCUMENT_FIELDS))
    if messages:
        raise InvalidUpload(errors=messages)
    return clean

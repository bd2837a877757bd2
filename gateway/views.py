"""Gateway pages (server-rendered) and the JSON endpoints the pages' scripts call."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.request import Request
from rest_framework.response import Response

from branding.selectors import branding_for_challenge, branding_for_org
from core.errors import Forbidden
from customers.models import Challenge

from . import scheme, selectors
from .errors import ChallengeClosed, GatewayErrorCode, SessionRefused
from .middleware import challenge_language_remember
from .serializers import (
    BlindedSerializer,
    CodeSerializer,
    CopySerializer,
    EmailConfirmSerializer,
    EmailStartSerializer,
    QuestionsCopySerializer,
    UnlockProofSerializer,
)
from .services import completion, pins, recovery
from .services.attempts import EvaluationOutcome, ProofOutcome
from .services.sessions import challenge_link_open, challenge_page_start, return_url_with


class HttpResponseRedirect303(HttpResponseRedirect):
    status_code = 303


def _back_status(challenge: Challenge) -> str:
    """The `status` the way back to the app reports: what the challenge truly is now (a link in
    use in another browser is in_progress, a cancelled one cancelled)."""
    effective = challenge.effective_status
    if effective == Challenge.Status.PENDING:
        return Challenge.Status.IN_PROGRESS if challenge.link_used_at else Challenge.Status.PENDING
    if (
        effective == Challenge.Status.FAILED
        and (challenge.result or {}).get("reason") == completion.CANCELLED
    ):
        return completion.CANCELLED
    return str(effective)


def _ended(request: HttpRequest, challenge: Challenge, *, reason: str, status: int = 410) -> HttpResponse:
    challenge_language_remember(request, challenge, remember=False)
    brand = branding_for_org(organization_id=challenge.organization_id)
    return render(
        request,
        "gateway/ended.html",
        {
            "reason": reason,
            "challenge": challenge,
            "app_name": brand.app_name,
            "pin_locked_until": selectors.pin_locked_until(customer=challenge.customer),
            "return_url": return_url_with(challenge=challenge, status=_back_status(challenge)),
            "brand": brand,
        },
        status=status,
    )


def _refused(request: HttpRequest, challenge_id: uuid.UUID) -> HttpResponse:
    # Another browser (or a session that lost its cookie) on a challenge it does not own. The
    # way back names the challenge's true state (in_progress, in the browser that owns it).
    # Reaching this page takes the challenge id, a 122-bit random value shown only in the
    # address bar of the session it belongs to, so the return address says nothing to a stranger.
    brand = branding_for_challenge(challenge_id=challenge_id)
    challenge = Challenge.objects.filter(pk=challenge_id).first()
    context: dict = {"brand": brand, "app_name": brand.app_name}
    if challenge is not None:
        context["return_url"] = return_url_with(challenge=challenge, status=_back_status(challenge))
    return render(request, "gateway/refused.html", context, status=403)


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, challenge_id: uuid.UUID, token: str) -> HttpResponse:
    """GET checks the link and answers a page whose script spends it (POST): a browser without
    JavaScript, or a link previewer, leaves it unspent for a browser that can run the page."""
    # A browser that arrives with a session (one an attacker may have planted) gets a new key
    # before the challenge is bound to it, so no one else knows the key of a bound session.
    # Without a session cookie there is nothing to rotate: Django mints a fresh key on save.
    if request.session.session_key is not None:
        request.session.cycle_key()
    outcome = challenge_link_open(
        challenge_id=challenge_id, token=token, session=request.session, spend=request.method == "POST"
    )
    if outcome.kind == "invalid" or outcome.challenge is None:
        # Unknown id and wrong token read the same, and name no challenge (nor its brand): a bad
        # token proves nothing, so its holder learns neither that the id exists nor where it returns.
        return render(
            request, "gateway/invalid.html", {"brand": branding_for_org(organization_id=None)}, status=404
        )
    challenge = outcome.challenge
    if outcome.kind == "used":
        return _ended(request, challenge, reason="used", status=409)
    if outcome.kind == "ended":
        return _ended(request, challenge, reason=_back_status(challenge))
    if outcome.kind == "unspent":
        challenge_language_remember(request, challenge, remember=False)
        brand = branding_for_org(organization_id=challenge.organization_id)
        return render(
            request,
            "gateway/open.html",
            {
                "challenge": challenge,
                "brand": brand,
                "app_name": brand.app_name,
                "return_url": return_url_with(challenge=challenge, status=Challenge.Status.PENDING),
            },
        )
    challenge_language_remember(request, challenge)  # saved with the binding: no extra write
    # 303: the next request is a plain GET of the token-free page, and the token leaves the address bar.
    return HttpResponseRedirect303(reverse("gateway:session", kwargs={"challenge_id": challenge.id}))


@never_cache
@require_GET
def session_page(request: HttpRequest, challenge_id: uuid.UUID) -> HttpResponse:
    try:
        challenge = challenge_page_start(challenge_id=challenge_id, session=request.session)
    except SessionRefused:
        return _refused(request, challenge_id)
    except ChallengeClosed:
        challenge = Challenge.objects.get(pk=challenge_id)
        return _ended(request, challenge, reason=_back_status(challenge))
    if challenge.status not in Challenge.OPEN_STATUSES:  # stopped at load (a locked PIN)
        return _ended(request, challenge, reason=_back_status(challenge))
    challenge_language_remember(request, challenge)
    context = selectors.challenge_page_context(challenge=challenge)
    context["brand"] = branding_for_org(organization_id=challenge.organization_id)
    context["app_name"] = context["brand"].app_name
    return render(request, context["template"], context)


@never_cache
@require_POST
def cancel(request: HttpRequest, challenge_id: uuid.UUID) -> HttpResponse:
    """The cancel link of every step (a form: it works without JavaScript). The challenge fails
    with reason cancelled and the closing screen sends the user back with status=cancelled;
    once the challenge has ended, the page says so with its own way back."""
    try:
        challenge = completion.challenge_cancel(challenge_id=challenge_id, session=request.session)
    except SessionRefused:
        return _refused(request, challenge_id)
    except ChallengeClosed:
        challenge = Challenge.objects.get(pk=challenge_id)
        return _ended(request, challenge, reason=_back_status(challenge), status=409)
    # 303 to the (same-origin) session page, which now shows the closing screen: a form's
    # redirect elsewhere would meet the CSP's form-action, and Back lands on a page, not a POST.
    return HttpResponseRedirect303(reverse("gateway:session", kwargs={"challenge_id": challenge.id}))


@never_cache
@require_GET
def demo_return(request: HttpRequest) -> HttpResponse:
    """Stands in for an integrator's app in the quick start (DEBUG only): shows what came back."""
    if not settings.DEBUG:
        raise Http404("The demo return page exists only in development.")
    return render(request, "gateway/demo_return.html", {"params": sorted(request.GET.items())})


_JS_CATALOG = JavaScriptCatalog.as_view(domain="djangojs")


@require_GET
@gzip_page  # the catalogue holds no secret (BREACH needs one), and phones on slow networks load it
def js_catalog(request: HttpRequest, lang: str) -> HttpResponseBase:
    """The pages' JavaScript strings in one language (Django's JavaScript catalogue).

    The language is in the address, so a cache never serves one language's catalogue for
    another; an unknown language is a 404 rather than a silent English answer.
    """
    if lang not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    with translation.override(lang):
        response = _JS_CATALOG(request)
    response["Cache-Control"] = "public, max-age=3600"
    return response


class CsrfOnly(BaseAuthentication):
    """No user to authenticate; only Django's CSRF check, which DRF skips without SessionAuthentication."""

    def authenticate(self, request: Request) -> None:
        check = CSRFCheck(lambda req: HttpResponse())
        check.process_request(request)
        if check.process_view(request, None, (), {}):  # type: ignore[arg-type]  # no view callback to consult
            raise Forbidden(
                _("The page's security token is missing or out of date. Reload the page."),
                code=GatewayErrorCode.CSRF_FAILED,
            )
        return None


def _ok(data: dict | None = None) -> Response:
    return Response({"success": True, "data": data or {}})


def _release(outcome: ProofOutcome) -> dict:
    body: dict = {
        "secret": scheme.encode(outcome.secret),
        "wrappedShard": scheme.encode(outcome.wrapped_shard),
    }
    if outcome.upgrade is not None:
        body["upgrade"] = outcome.upgrade
    return body


def _evaluation(outcome: EvaluationOutcome) -> dict[str, str]:
    return {"evaluationId": outcome.evaluation_id, "evaluatedElement": scheme.encode(outcome.evaluated)}


@extend_schema(exclude=True)  # the pages' own steps, not part of the integrators' API
@method_decorator(never_cache, name="dispatch")  # answers carry secrets: no cache keeps them
class GatewayApiViewSet(viewsets.ViewSet):
    """The page's JSON steps. Each one is bound to the session that opened the link."""

    authentication_classes = [CsrfOnly]
    permission_classes: list = []

    def _valid(self, serializer_class, request: Request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def pin_start(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(BlindedSerializer, request)
        return _ok(
            pins.pin_setup_start(
                challenge_id=challenge_id, session=request.session, blinded_element=data.get("blindedElement")
            )
        )

    def pin_setup(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(CopySerializer, request)
        customer = pins.pin_setup(
            challenge_id=challenge_id,
            session=request.session,
            auth_key=data["authKey"],
            wrapped_shard=data["wrappedShard"],
        )
        return _ok({"hasPin": customer.has_pin, "hasRecovery": customer.has_recovery})

    def pin_evaluate(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(BlindedSerializer, request)
        outcome = pins.pin_evaluate(
            challenge_id=challenge_id, session=request.session, blinded_element=data.get("blindedElement")
        )
        return _ok(_evaluation(outcome))

    def pin_verify(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(UnlockProofSerializer, request)
        outcome = pins.pin_verify(
            challenge_id=challenge_id,
            session=request.session,
            auth_key=data["authKey"],
            evaluation_id=data.get("evaluationId"),
            blinded_element=data.get("blindedElement"),
        )
        return _ok(_release(outcome))

    def pin_upgrade(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(CopySerializer, request)
        credential = pins.pin_upgrade(
            challenge_id=challenge_id,
            session=request.session,
            auth_key=data["authKey"],
            wrapped_shard=data["wrappedShard"],
        )
        return _ok({"scheme": credential.scheme_version})

    def questions_start(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(BlindedSerializer, request)
        return _ok(
            recovery.questions_setup_start(
                challenge_id=challenge_id, session=request.session, blinded_element=data.get("blindedElement")
            )
        )

    def questions_setup(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(QuestionsCopySerializer, request)
        customer = recovery.questions_setup(
            challenge_id=challenge_id,
            session=request.session,
            question_ids=data["questionIds"],
            auth_key=data["authKey"],
            wrapped_shard=data["wrappedShard"],
        )
        return _ok({"hasRecovery": customer.has_recovery, "recoveryMethods": customer.recovery_methods})

    def email_start(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(EmailStartSerializer, request)
        code = recovery.email_setup_start(
            challenge_id=challenge_id, session=request.session, email=data["email"]
        )
        return _ok({"sentTo": selectors.mask_email(code.email)})

    def email_confirm(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(EmailConfirmSerializer, request)
        recovery.email_setup_confirm(
            challenge_id=challenge_id,
            session=request.session,
            code=data["code"],
            recovery_key=data["recoveryKey"],
            wrapped_shard=data["wrappedShard"],
        )
        return _ok({"hasRecovery": True})

    def restore_questions_evaluate(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(BlindedSerializer, request)
        outcome = recovery.restore_questions_evaluate(
            challenge_id=challenge_id, session=request.session, blinded_element=data.get("blindedElement")
        )
        return _ok(_evaluation(outcome))

    def restore_questions(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(UnlockProofSerializer, request)
        outcome = recovery.restore_questions_verify(
            challenge_id=challenge_id,
            session=request.session,
            auth_key=data["authKey"],
            evaluation_id=data.get("evaluationId"),
            blinded_element=data.get("blindedElement"),
        )
        return _ok(_release(outcome))

    def restore_questions_upgrade(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(CopySerializer, request)
        record = recovery.restore_questions_upgrade(
            challenge_id=challenge_id,
            session=request.session,
            auth_key=data["authKey"],
            wrapped_shard=data["wrappedShard"],
        )
        return _ok({"scheme": record.scheme_version})

    def restore_email_start(self, request: Request, challenge_id: uuid.UUID) -> Response:
        code = recovery.restore_email_start(challenge_id=challenge_id, session=request.session)
        return _ok({"sentTo": selectors.mask_email(code.email)})

    def restore_email_confirm(self, request: Request, challenge_id: uuid.UUID) -> Response:
        data = self._valid(CodeSerializer, request)
        release = recovery.restore_email_confirm(
            challenge_id=challenge_id, session=request.session, code=data["code"]
        )
        return _ok(
            {
                "recoveryKey": scheme.encode(release.recovery_key),
                "wrappedShard": scheme.encode(release.wrapped_shard),
            }
        )

    def wallet_keys(self, request: Request, challenge_id: uuid.UUID) -> Response:
        from wallets.serializers import WalletKeysStepSerializer
        from wallets.steps import wallet_keys_step

        data = self._valid(WalletKeysStepSerializer, request)
        release = wallet_keys_step(
            challenge_id=challenge_id,
            session=request.session,
            user_public=data.get("userPublicKey"),
            proof=data.get("proof"),
        )
        return _ok(
            {
                "publicKey": release.public_key.hex(),
                "serverShare": release.server_share.hex(),
                "tweak": release.tweak.hex(),
                "index": release.index,
                "address": release.address,
            }
        )

    def wallet_confirm(self, request: Request, challenge_id: uuid.UUID) -> Response:
        from wallets.serializers import WalletConfirmStepSerializer, wallet_data
        from wallets.steps import wallet_confirm_step

        data = self._valid(WalletConfirmStepSerializer, request)
        wallets = wallet_confirm_step(
            challenge_id=challenge_id,
            session=request.session,
            confirmations={item["address"]: item["signature"] for item in data["confirmations"]},
        )
        return _ok({"wallets": [wallet_data(wallet) for wallet in wallets]})

    def sign_keys(self, request: Request, challenge_id: uuid.UUID) -> Response:
        from wallets.signing_services import sign_keys_step

        release = sign_keys_step(challenge_id=challenge_id, session=request.session)
        return _ok(
            {
                "serverShare": release.server_share.hex(),
                "tweak": release.tweak.hex(),
                "index": release.index,
                "address": release.address,
                "digest": release.digest.hex(),
            }
        )

    def sign_submit(self, request: Request, challenge_id: uuid.UUID) -> Response:
        from wallets.serializers import SignSubmitStepSerializer
        from wallets.signing_services import sign_submit_step

        data = self._valid(SignSubmitStepSerializer, request)
        return _ok(
            sign_submit_step(challenge_id=challenge_id, session=request.session, signature=data["signature"])
        )

    def export_keys(self, request: Request, challenge_id: uuid.UUID) -> Response:
        from wallets.serializers import ExportKeysStepSerializer
        from wallets.signing_services import export_keys_step

        data = self._valid(ExportKeysStepSerializer, request)
        release = export_keys_step(
            challenge_id=challenge_id, session=request.session, confirmed=data["confirmed"]
        )
        return _ok(
            {
                "serverShare": release.server_share.hex(),
                "keys": [{**entry, "tweak": entry["tweak"].hex()} for entry in release.keys],
            }
        )

    def decline(self, request: Request, challenge_id: uuid.UUID) -> Response:
        url = completion.challenge_decline(challenge_id=challenge_id, session=request.session)
        return _ok({"returnUrl": url})

    def complete(self, request: Request, challenge_id: uuid.UUID) -> Response:
        url = completion.challenge_complete(challenge_id=challenge_id, session=request.session)
        return _ok({"returnUrl": url})

"""URLs of the gateway pages under /gateway/ and of their JSON steps under /gateway/api/."""

from django.urls import path

from . import views

app_name = "gateway"

api = views.GatewayApiViewSet.as_view


def _step(route: str, action: str, name: str):
    return path(f"api/<uuid:challenge_id>/{route}", api({"post": action}), name=f"api-{name}")


urlpatterns = [
    path("c/<uuid:challenge_id>/<str:token>", views.open_link, name="open"),
    path("s/<uuid:challenge_id>/", views.session_page, name="session"),
    path("s/<uuid:challenge_id>/cancel", views.cancel, name="cancel"),
    path("i18n/<str:lang>/catalog.js", views.js_catalog, name="js-catalog"),
    path("demo/return", views.demo_return, name="demo-return"),
    _step("pin/start", "pin_start", "pin-start"),
    _step("pin/setup", "pin_setup", "pin-setup"),
    _step("pin/evaluate", "pin_evaluate", "pin-evaluate"),
    _step("pin/verify", "pin_verify", "pin-verify"),
    _step("pin/upgrade", "pin_upgrade", "pin-upgrade"),
    _step("recovery/questions/start", "questions_start", "questions-start"),
    _step("recovery/questions", "questions_setup", "questions"),
    _step("recovery/email/start", "email_start", "email-start"),
    _step("recovery/email/confirm", "email_confirm", "email-confirm"),
    _step("restore/questions/evaluate", "restore_questions_evaluate", "restore-questions-evaluate"),
    _step("restore/questions", "restore_questions", "restore-questions"),
    _step("restore/questions/upgrade", "restore_questions_upgrade", "restore-questions-upgrade"),
    _step("restore/email/start", "restore_email_start", "restore-email-start"),
    _step("restore/email/confirm", "restore_email_confirm", "restore-email-confirm"),
    _step("wallet/keys", "wallet_keys", "wallet-keys"),
    _step("wallet/confirm", "wallet_confirm", "wallet-confirm"),
    _step("sign/keys", "sign_keys", "sign-keys"),
    _step("sign/submit", "sign_submit", "sign-submit"),
    _step("export/keys", "export_keys", "export-keys"),
    _step("decline", "decline", "decline"),
    _step("complete", "complete", "complete"),
]

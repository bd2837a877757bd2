"""The audit trail's vocabulary: one enum of event names, one way of writing an actor, and core
importing no app."""

import ast
from pathlib import Path

import pytest

from core.audit import AuditAction, SystemActor, audit_actor_for
from core.models import AuditEvent
from core.services import audit_record
from merchants import services as merchant_services
from tests.merchants import conftest as merchant_fixtures

partner = merchant_fixtures.partner
account = merchant_fixtures.account

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = {"accounts", "customers", "gateway", "merchants", "onboarding", "demo", "wallets"}
# Apps whose audit calls name their event with an AuditAction member, or build one with
# AuditAction(value) (which refuses a value that is not a member).
CONVERTED = ("core", "merchants", "onboarding", "demo", "customers", "gateway", "wallets")


def _python_files(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def test_core_imports_no_app():
    offenders = []
    for path in _python_files("core"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in PROJECT_APPS]
    assert offenders == []


def _named(action: ast.expr) -> bool:
    """AuditAction.MEMBER, AuditAction(value), or a choice between two of those."""
    if isinstance(action, ast.IfExp):
        return _named(action.body) and _named(action.orelse)
    if isinstance(action, ast.Attribute):
        return isinstance(action.value, ast.Name) and action.value.id == "AuditAction"
    return (
        isinstance(action, ast.Call) and isinstance(action.func, ast.Name) and action.func.id == "AuditAction"
    )


@pytest.mark.parametrize("package", CONVERTED)
def test_audit_rows_are_named_by_the_enum(package):
    loose = []
    for path in _python_files(package):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                "audit_record"
            ):
                action = next(k.value for k in node.keywords if k.arg == "action")
                if not _named(action):
                    loose.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert loose == []


def test_event_names_are_unique():
    values = [member.value for member in AuditAction]
    assert len(values) == len(set(values))


@pytest.mark.django_db
def test_one_way_of_writing_each_kind_of_actor(django_user_model, partner, account):
    staff = django_user_model.objects.create_user(
        "reviewer.audit", password="pw-audit-staff-1", is_staff=True
    )
    client, _ = partner
    assert audit_actor_for(staff) == "staff:reviewer.audit"
    assert audit_actor_for(account) == f"account:{account.pk}"
    assert audit_actor_for(client) == f"api-client:{client.client_id}"
    assert audit_actor_for(SystemActor.GATEWAY) == "gateway"
    assert audit_actor_for(None) == ""
    with pytest.raises(TypeError):
        audit_actor_for(object())


@pytest.mark.django_db
def test_audit_record_writes_the_enum_value_and_the_actor_string(django_user_model, partner):
    client, _ = partner
    staff = django_user_model.objects.create_user("ops.audit", password="pw-audit-staff-2", is_staff=True)
    merchant_services.api_client_disable(client=client, actor=staff)
    row = AuditEvent.objects.get(action="merchant_api_client.disabled", target_id=str(client.pk))
    assert (row.actor, row.target_type) == ("staff:ops.audit", "ApiClient")
    again = audit_record(action=AuditAction.MERCHANT_API_CLIENT_DISABLED, target=client, actor=staff)
    again.refresh_from_db()
    assert type(again.action) is str and again.action == "merchant_api_client.disabled"

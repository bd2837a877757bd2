"""The request path's plumbing: CSP header built once, content negotiation short cut,
health checks only after an idle second, prepared statements."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from core.middleware import CSPMiddleware
from core.negotiation import ShortcutContentNegotiation

# --- CSP -------------------------------------------------------------------------------


def _csp(view=None, path="/gateway/x", middleware_class=CSPMiddleware):
    request = RequestFactory().get(path)
    middleware = middleware_class(view or (lambda r: HttpResponse("ok")))
    return middleware(request)


def _plain(request):
    return HttpResponse("ok")


def _with_nonce(request):
    return HttpResponse(str(request.csp_nonce))


@csp_update({"img-src": ["https://cdn.example.com"]})
def _own_policy(request):
    return HttpResponse("ok")


NONCE_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}


@pytest.mark.parametrize("view", [_plain, _with_nonce, _own_policy])
@pytest.mark.parametrize("policy", [None, NONCE_POLICY])
def test_csp_headers_are_django_csps(view, policy, settings):
    if policy:
        settings.CONTENT_SECURITY_POLICY = policy
    ours, theirs = _csp(view), _csp(view, middleware_class=BaseCSPMiddleware)
    if view is _with_nonce:  # a fresh nonce each time: compare with it taken out
        ours_header = ours[HEADER].replace(ours.content.decode(), "N")
        theirs_header = theirs[HEADER].replace(theirs.content.decode(), "N")
        assert ours_header == theirs_header
        assert (f"'nonce-{ours.content.decode()}'" in ours[HEADER]) == bool(policy)
    else:
        assert ours[HEADER] == theirs[HEADER]
    assert (HEADER_REPORT_ONLY in ours) == (HEADER_REPORT_ONLY in theirs)


def test_csp_header_is_the_policy_from_settings(client):
    assert _csp()[HEADER] == build_policy()
    assert client.get("/healthz")[HEADER] == build_policy()
    assert "script-src 'self'" in build_policy() and "frame-ancestors 'none'" in build_policy()


def test_csp_header_follows_a_settings_change():
    before = _csp()[HEADER]
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert _csp()[HEADER] == "default-src 'none'"
    assert _csp()[HEADER] == before


def test_report_only_policy_is_sent_too():
    report_only = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report"}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only):
        response = _csp()
        assert response[HEADER_REPORT_ONLY] == build_policy(report_only=True) != ""
    assert response[HEADER] == build_policy()
    assert HEADER_REPORT_ONLY not in _csp()


# --- content negotiation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [None, "", "*/*", "application/json", "text/html", "application/json; q=0.5, */*", "application/*"],
)
@pytest.mark.parametrize("renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]])
@pytest.mark.parametrize("query", ["", "?limit=5", "?format=json", "?format=api", "?%66ormat=api", "?a=%20"])
def test_negotiation_chooses_as_drf_does(accept, renderers, query):
    headers = {} if accept is None else {"Accept": accept}
    request = Request(RequestFactory().get("/v2/customers" + query, headers=headers))

    def choose(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except Exception as exc:  # DRF's NotAcceptable
            return type(exc).__name__
        return type(renderer).__name__, media_type

    assert choose(ShortcutContentNegotiation()) == choose(DefaultContentNegotiation())


def test_unacceptable_accept_is_a_406_in_the_envelope(client):
    response = client.get("/v2/customers", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert response.json()["success"] is False


# --- persistent connections: health check after an idle second ------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_health_check_only_after_an_idle_second(monkeypatch):
    from core.db_backends.postgresql.base import HEALTH_CHECK_IDLE_SECONDS

    connection = connections["default"]
    checks = []
    original = type(connection).is_usable

    def counting(self):
        checks.append(1)
        return original(self)

    monkeypatch.setattr(type(connection), "is_usable", counting)
    connection.ensure_connection()

    def request():
        connection.close_if_unusable_or_obsolete()  # request_started
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        connection.close_if_unusable_or_obsolete()  # request_finished

    request()
    checks.clear()
    request()  # right after another: no check
    assert checks == []
    connection._last_request_at -= HEALTH_CHECK_IDLE_SECONDS + 0.5  # noqa: SLF001 (as if idle since)
    request()
    assert checks == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_after_idle_is_replaced_not_an_error():
    connection = connections["default"]
    connection.ensure_connection()
    old = connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection._last_request_at -= 5  # noqa: SLF001 (idle for a while: the next request checks)
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not old


def _admin_url():
    s = connections["default"].settings_dict
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# --- prepared statements ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_prepared_rows_are_logged_like_any_query_and_wrap_errors():
    from django.db import ProgrammingError
    from django.test.utils import CaptureQueriesContext

    from core.db import prepared_rows

    connection = connections["default"]
    with CaptureQueriesContext(connection) as ctx:
        assert prepared_rows("SELECT %s::int + 1", [41]) == [(42,)]
        assert prepared_rows("SELECT %s::int + 1", [1]) == [(2,)]
    assert len(ctx.captured_queries) == 2
    with pytest.raises(ProgrammingError):
        prepared_rows("SELECT * FROM no_such_table WHERE id = %s", [1])


# --- prepared statements outside a transaction (libpq layer) ---------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_rows_outside_a_transaction_match_a_cursor():
    """Outside a transaction the statement goes through psycopg's libpq layer: same values,
    same types as a cursor gives (Django's adapters: jsonb as text, aware UTC datetimes)."""
    import datetime as dt
    import uuid

    from core.db import prepared_rows

    sql = (
        "SELECT %s::uuid, %s::timestamptz, %s::jsonb, %s::text, %s::int, %s::bool, NULL::text, "
        "now() - now() WHERE %s::int > 0"
    )
    values = [uuid.uuid4(), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), '{"a": [1]}', "é", 7, True]
    assert connections["default"].get_autocommit()
    ours = prepared_rows(sql, [*values, 1])
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, [*values, 1])
        expected = cursor.fetchall()
    assert ours == [tuple(row) for row in expected]
    assert ours[0][:6] == (values[0], values[1], '{"a": [1]}', "é", 7, True)
    assert prepared_rows(sql, [*values, 0]) == []  # no row
    assert prepared_rows(sql, [None, *values[1:], 1])[0][0] is None  # other parameter types
    assert prepared_rows("CREATE TEMP TABLE IF NOT EXISTS t_hot (x int)", []) == []  # no result set


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_rows_outside_a_transaction_raise_django_errors_and_survive_a_discard():
    from django.db import IntegrityError, ProgrammingError

    from core.db import is_unique_violation, prepared_rows

    prepared_rows("CREATE TEMP TABLE t_unique (x int CONSTRAINT t_unique_x UNIQUE)", [])
    prepared_rows("INSERT INTO t_unique VALUES (%s)", [1])
    with pytest.raises(IntegrityError) as refused:
        prepared_rows("INSERT INTO t_unique VALUES (%s)", [1])
    assert is_unique_violation(refused.value, constraint="t_unique_x", table="t_unique", columns=["x"])
    with pytest.raises(ProgrammingError):
        prepared_rows("SELECT * FROM no_such_table WHERE id = %s", [1])
    assert prepared_rows("SELECT x FROM t_unique WHERE x = %s", [1]) == [(1,)]
    with connections["default"].cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # every prepared statement of the session is gone
    assert prepared_rows("SELECT x FROM t_unique WHERE x = %s", [1]) == [(1,)]
    assert prepared_rows("INSERT INTO t_unique VALUES (%s)", [2]) == []

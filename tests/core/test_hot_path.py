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


# --- prepared statements inside a transaction (libpq layer, our BEGIN) ------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_rows_in_a_transaction_commit_and_roll_back_with_it():
    """Inside atomic() the statement goes through libpq too, after a BEGIN of ours: what it
    writes commits with the block, rolls back with it (an error included), and a savepoint
    inside the block still undoes only its own part."""
    from django.db import IntegrityError, transaction
    from psycopg import pq

    from core.db import prepared_rows

    prepared_rows("CREATE TABLE IF NOT EXISTS t_tx (x int CONSTRAINT t_tx_x UNIQUE)", [])
    try:
        raw = connections["default"].connection
        with transaction.atomic():
            assert prepared_rows("INSERT INTO t_tx VALUES (%s) RETURNING x", [1]) == [(1,)]
            assert raw.pgconn.transaction_status == pq.TransactionStatus.INTRANS
        assert raw.pgconn.transaction_status == pq.TransactionStatus.IDLE  # committed
        with pytest.raises(RuntimeError), transaction.atomic():
            prepared_rows("INSERT INTO t_tx VALUES (%s)", [2])
            raise RuntimeError("the block fails")
        with pytest.raises(IntegrityError), transaction.atomic():
            prepared_rows("INSERT INTO t_tx VALUES (%s)", [3])
            prepared_rows("INSERT INTO t_tx VALUES (%s)", [1])  # unique violation
        with transaction.atomic():
            prepared_rows("INSERT INTO t_tx VALUES (%s)", [4])
            with pytest.raises(IntegrityError), transaction.atomic():
                prepared_rows("INSERT INTO t_tx VALUES (%s)", [1])
            prepared_rows("INSERT INTO t_tx VALUES (%s)", [5])
        # A second connection sees exactly what was committed.
        import psycopg

        settings = connections["default"].get_connection_params()
        with psycopg.connect(**settings) as other:
            rows = other.execute("SELECT x FROM t_tx ORDER BY x").fetchall()
        assert [r[0] for r in rows] == [1, 4, 5]
    finally:
        prepared_rows("DROP TABLE IF EXISTS t_tx", [])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_rows_in_a_transaction_with_an_isolation_level_use_psycopgs_begin():
    """A connection that sets an isolation level gets psycopg's own BEGIN (through the cursor)."""
    import psycopg
    from django.db import transaction

    from core.db import prepared_rows

    connections["default"].ensure_connection()
    raw = connections["default"].connection
    raw.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    try:
        with transaction.atomic():
            assert prepared_rows("SELECT current_setting('transaction_isolation')", []) == [("serializable",)]
    finally:
        raw.isolation_level = None
    with transaction.atomic():
        assert prepared_rows("SELECT current_setting('transaction_isolation')", []) == [("read committed",)]


# --- rows built for hand-written inserts ------------------------------------------------


@pytest.mark.django_db
def test_row_for_insert_prepares_what_the_orm_would_insert():
    """The values of row_for_insert are get_db_prep_save of every field of the instance the
    ORM would build, defaults included; the instance reads the same and holds its relations."""
    import datetime as dt
    import uuid

    from core.db import row_for_insert
    from customers.models import Challenge, Customer, Organization

    connection = connections["default"]
    organization = Organization.objects.create(name="Org")
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    given = {
        "id": uuid.uuid4(),
        "organization_id": organization.pk,
        "ref_id": "r-1",
        "name": "Ana",
        "created_at": now,
        "updated_at": now,
    }
    customer, values = row_for_insert(Customer, given, related={"organization": organization})
    expected = Customer(**given)
    fields = Customer._meta.concrete_fields
    prepared = [f.get_db_prep_save(getattr(expected, f.attname), connection) for f in fields]
    assert [_unwrapped(v) for v in values] == [_unwrapped(v) for v in prepared]
    assert [type(v) for v in values] == [type(v) for v in prepared]
    for f in fields:
        assert getattr(customer, f.attname) == getattr(expected, f.attname), f.attname
    assert customer.organization is organization
    assert customer._state.adding is False
    # A fresh empty list per instance: changing one customer's does not change the next one's.
    customer.recovery_methods.append("EMAIL")
    again, _ = row_for_insert(Customer, {**given, "id": uuid.uuid4()})
    assert again.recovery_methods == []
    # A callable default other than an empty container is called per row (Challenge.id: uuid4).
    challenge_values = {
        "organization_id": organization.pk,
        "customer_id": customer.pk,
        "return_url": "https://example.com/done",
        "expires_at": now,
        "created_at": now,
    }
    first, _ = row_for_insert(Challenge, challenge_values)
    second, _ = row_for_insert(Challenge, challenge_values)
    assert first.id != second.id
    assert first.status == Challenge.Status.PENDING


def _unwrapped(value):
    """A prepared value comparable by content (psycopg's JSON wrappers compare by identity)."""
    return getattr(value, "obj", value)


def test_row_for_insert_refuses_an_unknown_or_missing_field():
    import uuid

    from django.utils import timezone

    from core.db import row_for_insert
    from customers.models import Customer

    now = timezone.now()
    given = {"id": uuid.uuid4(), "organization_id": 1, "ref_id": "r", "created_at": now, "updated_at": now}
    assert row_for_insert(Customer, given)[0].ref_id == "r"
    with pytest.raises(ValueError, match="no field"):
        row_for_insert(Customer, {**given, "nickname": "x"})
    with pytest.raises(ValueError, match="created_at must be given"):
        row_for_insert(Customer, {k: v for k, v in given.items() if k != "created_at"})


@pytest.mark.postgres
@pytest.mark.django_db
def test_model_from_row_is_what_the_orm_loads():
    from core.db import model_from_row, prepared_rows
    from customers.models import Customer, Organization

    organization = Organization.objects.create(name="Org")
    created = Customer.objects.create(
        organization=organization, ref_id="r-2", name="Ben", recovery_methods=["EMAIL"]
    )
    fields = Customer._meta.concrete_fields
    columns = ", ".join(f.column for f in fields)
    row = prepared_rows(f"SELECT {columns} FROM customers_customer WHERE id = %s", [created.pk])[0]  # noqa: S608
    ours = model_from_row(Customer, row)
    loaded = Customer.objects.get(pk=created.pk)
    for f in fields:
        assert getattr(ours, f.attname) == getattr(loaded, f.attname), f.attname
    assert ours.recovery_methods == ["EMAIL"]  # the JSON column parsed
    assert ours._state.adding is False


# --- the challenge link -----------------------------------------------------------------


def test_challenge_link_is_the_reversed_route_under_every_script_prefix(settings):
    import uuid

    from django.urls import reverse, set_script_prefix

    from customers.links import challenge_gateway_url, challenge_link_token

    challenge_id = uuid.uuid4()
    for prefix in ("/", "/onboarding/"):
        set_script_prefix(prefix)
        try:
            path = reverse(
                "gateway:open",
                kwargs={"challenge_id": challenge_id, "token": challenge_link_token(challenge_id)},
            )
            assert challenge_gateway_url(challenge_id=challenge_id) == f"{settings.PUBLIC_BASE_URL}{path}"
        finally:
            set_script_prefix("/")
    assert path.startswith("/onboarding/")

"""The service's URLs plus the floor view: the least work an authenticated read must do.

`GET /bench/floor/{id}`: a bare Django view making one primary-key query (the customer's
body columns, the statement the API's read runs) and one Redis call (INCR), through the
same gunicorn, middleware and database settings as every other row, without DRF.
"""

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django_redis import get_redis_connection  # type: ignore[import-untyped]

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as service_urlpatterns
from core.db import prepared_rows
from customers.models import Customer
from customers.selectors import CUSTOMER_BODY_FIELDS

_FLOOR_COLUMNS = [str(f.column) for f in Customer._meta.concrete_fields if f.attname in CUSTOMER_BODY_FIELDS]
FLOOR_SQL = f"SELECT {', '.join(_FLOOR_COLUMNS)} FROM {Customer._meta.db_table} WHERE id = %s"  # noqa: S608


def floor(request: HttpRequest, pk: str) -> JsonResponse:
    get_redis_connection("default").incr("bench:floor")
    rows = prepared_rows(FLOOR_SQL, [pk])
    if not rows:
        raise Http404
    return JsonResponse({"id": str(rows[0][0]), "refId": rows[0][1], "name": rows[0][2]})


urlpatterns = [path("bench/floor/<uuid:pk>", floor), *service_urlpatterns]

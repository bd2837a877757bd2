"""Django-level views: liveness, the favicon, and error handlers answering JSON in the surface's shape."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_GET

from .errors import Problem, render_problem, surface_for_path


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers; also the benchmarks' baseline (no database, no cache)."""
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """/favicon.ico, which browsers ask for on pages that link no icon (admin, JSON answers).
    Resolved per request: production's static storage serves it under a hashed name."""
    return HttpResponseRedirect(static("favicon.ico"))


def _json_or_html(status: int, message: str, html_view):
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if surface_for_path(request.path) is None:
            return html_view(request, exception) if exception is not None else html_view(request)
        body, code, headers = render_problem(Problem(status, message), request.path)
        return JsonResponse(body, status=code, headers=headers)

    return view


page_not_found = _json_or_html(404, "Not found", defaults.page_not_found)
server_error = _json_or_html(500, "Internal server error", defaults.server_error)
bad_request = _json_or_html(400, "Bad request", defaults.bad_request)
permission_denied = _json_or_html(403, "Forbidden", defaults.permission_denied)

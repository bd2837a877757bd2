"""Root URLs: the admin, the two APIs under /v2/, their schema and docs, the gateway pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("v2/schema", SpectacularAPIView.as_view(), name="schema"),
    path("v2/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("v2/", include("customers.urls")),
    path("v2/", include("wallets.urls")),
    path("v2/", include("webhooks.urls")),
    path("v2/", include("branding.urls")),
    path("v2/", include("merchants.urls")),
    path("v2/", include("onboarding.urls")),
    path("gateway/brand/", include("branding.asset_urls")),
    path("gateway/", include("gateway.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

"""URL of the branding API under /v2/ (no trailing slash, like the customers API)."""

from django.urls import path

from .views import BrandingViewSet

urlpatterns = [
    path(
        "organization/branding",
        BrandingViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="organization-branding",
    ),
]

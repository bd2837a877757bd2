"""URLs of the brand's assets under /gateway/brand/: served from our origin, so the pages' CSP
stays `img-src 'self'` and `style-src 'self'`."""

from django.urls import path

from . import views

app_name = "branding"

urlpatterns = [
    path("<uuid:organization_id>/logo/<str:sha256>", views.logo, name="logo"),
    path("<uuid:organization_id>/theme/<str:version>.css", views.theme, name="theme"),
]

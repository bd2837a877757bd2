"""URLs of the merchant API under /v2/."""

from django.urls import path

from . import views
from .onboarding import views as onboarding

urlpatterns = [
    path("auth/token", views.ClientTokenViewSet.as_view({"post": "create"}), name="merchant-auth-token"),
    path("account", views.AccountViewSet.as_view({"post": "create", "get": "me"}), name="merchant-account"),
    path(
        "account/token", views.AccountTokenViewSet.as_view({"post": "obtain"}), name="merchant-account-token"
    ),
    path(
        "account/token/refresh",
        views.AccountTokenViewSet.as_view({"post": "refresh"}),
        name="merchant-account-token-refresh",
    ),
    path(
        "account/password",
        views.AccountTokenViewSet.as_view({"post": "password"}),
        name="merchant-account-password",
    ),
    path("onboard", onboarding.OnboardingViewSet.as_view({"post": "create"}), name="merchant-onboard"),
    path(
        "onboard/<str:refNo>",
        onboarding.OnboardingViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="merchant-onboard-detail",
    ),
    path(
        "onboard/<str:refNo>/status",
        onboarding.OnboardingViewSet.as_view({"get": "status"}),
        name="merchant-onboard-status",
    ),
    path(
        "onboard/<str:refNo>/files",
        onboarding.OnboardingFilesViewSet.as_view({"post": "upload"}),
        name="merchant-onboard-files",
    ),
]

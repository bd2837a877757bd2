"""URLs of the merchant API under /v2/: client tokens, accounts, account tokens and passwords."""

from django.urls import path

from . import views

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
]

"""URLs of the wallets API under /v2/ (no trailing slash, as the public API has none)."""

from django.urls import path

from .views import CustomerWalletViewSet, WalletViewSet

urlpatterns = [
    path(
        "customers/<str:pk>/wallet/create",
        CustomerWalletViewSet.as_view({"post": "wallet_create"}),
        name="customers-wallet-create",
    ),
    *(
        path(
            f"customers/<str:pk>/{route}",
            CustomerWalletViewSet.as_view({"post": action}),
            name=f"customers-{route.replace('/', '-')}",
        )
        for route, action in (
            ("sign/message", "sign_message"),
            ("sign/typed-data", "sign_typed_data"),
            ("sign/transaction", "sign_transaction"),
            ("export-private-keys", "export_private_keys"),
        )
    ),
    path(
        "customers/<str:pk>/public-key",
        CustomerWalletViewSet.as_view({"get": "public_key"}),
        name="customers-public-key",
    ),
    path("wallets", WalletViewSet.as_view({"get": "list"}), name="wallets-list"),
    path(
        "wallets/<str:pk>",
        WalletViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="wallets-detail",
    ),
]

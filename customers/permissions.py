"""Permissions of the customers API: RESTRICTED keys may only read."""

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.errors import Forbidden

from .models import ApiKey


class ApiKeyKindPermission(BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False  # DRF answers 401: the authenticator declares a header
        if api_key.kind == ApiKey.Kind.RESTRICTED and request.method not in SAFE_METHODS:
            raise Forbidden("This API key is restricted to read-only requests")
        return True

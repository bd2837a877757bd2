"""All project options in one object, read from settings.ONBOARDING with defaults."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "CUSTOMERS_RATE_LIMIT": "10/s",
    "MERCHANT_RATE_LIMIT": "10/60s",
    "PARENT_MERCHANT_NAME": "Packworks Merchant",
    "BCRYPT_ROUNDS": 12,
    "CHALLENGE_TTL_SECONDS": 15 * 60,
    "PASSWORD_MAX_AGE_DAYS": 90,
    # Merchant token endpoints: all attempts per IP, and failed logins per account.
    "MERCHANT_LOGIN_RATE_LIMIT": "10/60s",
    "MERCHANT_LOGIN_FAILURE_LIMIT": "5/15m",  # per account and address
    "MERCHANT_LOGIN_ACCOUNT_FAILURE_LIMIT": "50/15m",  # per account, from every address
    "PIN_MAX_ATTEMPTS": 5,
    "PIN_LOCK_SECONDS": 30 * 60,
    # Email recovery, per customer across challenges: codes mailed per hour, and reset-pin
    # challenges created per hour (wrong codes lock it like the PIN: 5 in a row, 30 minutes).
    "EMAIL_CODES_PER_CUSTOMER_HOUR": 10,
    "RESET_PIN_CHALLENGES_PER_CUSTOMER_HOUR": 5,
    # Merchant onboarding KYC files: per file, per request, and the storage folder.
    "ONBOARDING_FILE_MAX_BYTES": 10 * 1024 * 1024,
    "ONBOARDING_UPLOAD_MAX_REQUEST_BYTES": 100 * 1024 * 1024,
    "ONBOARDING_UPLOAD_DIR": "onboarding",
    # Hot fixed statements (core.db.prepared_rows) as server-side prepared statements; turn
    # off behind a pooler in transaction mode that cannot keep them.
    "DB_PREPARED_STATEMENTS": True,
    # Where PIN scheme v2 evaluates its OPRF (core/keys.py); a KMS/HSM class replaces it here.
    "OPRF_KEY_PROVIDER": "core.keys.EnvironmentOprfKeyProvider",
    # Webhooks (README, "Webhooks"): delivery timeout, retry window and backoff, the
    # lease a worker holds on an endpoint while it sends, the rotation overlap, auto-disable.
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_RETRY_WINDOW_SECONDS": 24 * 3600,
    "WEBHOOK_BACKOFF_BASE_SECONDS": 10,
    "WEBHOOK_BACKOFF_MAX_SECONDS": 3600,
    "WEBHOOK_LEASE_SECONDS": 60,
    "WEBHOOK_SECRET_OVERLAP_SECONDS": 24 * 3600,
    "WEBHOOK_DISABLE_AFTER_SECONDS": 3 * 24 * 3600,
    "WEBHOOK_SWEEP_SECONDS": 15,
    # Development and tests only: accept http:// and loopback addresses for receivers.
    "WEBHOOK_ALLOW_LOOPBACK": False,
}


class AppSettings:
    """Reads settings.ONBOARDING on every access, so override_settings just works."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown onboarding setting {name!r}")
        return getattr(settings, "ONBOARDING", {}).get(name, DEFAULTS[name])


app_settings = AppSettings()

"""Settings for every environment, read from the environment (see .env.example).

This module is also the embedded default: SQLite, an in-process cache and fixed
*development-only* keys, so `make run` works on a fresh machine. Production settings
(`config.settings.production`) take no default for any secret.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

# Off unless DJANGO_DEBUG says otherwise. manage.py, the development entry point, turns it on
# when it falls back to these embedded settings (so `make run` gets the debug page and the
# demo conveniences); WSGI and ASGI default to production settings, where it is always off.
DEBUG = env.bool("DJANGO_DEBUG", default=os.environ.get("DJANGO_DEVELOPMENT_ENTRY_POINT") == "1")

# Development-only secrets. Production settings replace every one of them from the
# environment and refuse to start without it.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEV_MASTER_KEYS = "1:ZGV2LW9ubHktbWFzdGVyLWtleS1ub3QtZm9yLXByb2Qh"
DEV_PEPPER = "ZGV2LW9ubHktcGVwcGVyLW5vdC1mb3ItcHJvZHVjdGlvbg=="
DEV_JWT_SIGNING_KEY = "dev-only-jwt-signing-key-not-for-production-use-0123456789"
DEV_OPRF_MASTER_KEY = "1:ZGV2LW9ubHktb3ByZi1tYXN0ZXIta2V5LW5vdC1mb3ItcHJvZCE="

SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "core.admin_config.StaffAdminConfig",  # django.contrib.admin with the staff sign-in of core
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "core",
    "customers",
    "merchants",
    "onboarding",
    "gateway",
    "wallets",
    "demo",
    "django_tasks",
    "django_tasks_db",
    "webhooks",
    "branding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "gateway.middleware.GatewayLanguageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Staff sign-in (the Django admin is the only user of Django's authentication): django-axes
# first, so a locked-out username+address pair is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("STAFF_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_SIGNIN_LOCK_MINUTES", default=30))
# Per user AND address: wrong passwords from one place do not lock the owner out elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip_or_none"
AXES_HTTP_RESPONSE_CODE = 429
# Load balancers in front of the service, outermost first (IPs, CIDRs or prefixes); none by
# default, so X-Forwarded-For is ignored and the TCP peer is the client (core/net.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# A staff session ends one working day after sign-in (absolute, see core/signals.py).
STAFF_SESSION_SECONDS = env.int("STAFF_SESSION_SECONDS", default=8 * 60 * 60)
# Every staff member must sign in with a TOTP code (django-otp) when on; off here, on in production.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, health-checking a persistent connection only after an idle second.
        DATABASES["default"]["ENGINE"] = "core.db_backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="og"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "onboarding-gateway",
        },
    }
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Admin messages can carry a key or client secret shown once: keep them server-side,
# not in a signed (readable) cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Gateway pages and emails speak the languages below (docs/i18n.md): the challenge's
# `locale`, else Accept-Language, else English. Catalogues live in locale/ (committed .po,
# compiled by `manage.py compilemessages` in the install step).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fil", "Filipino")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Strict CSP for every page we render: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@onboarding-gateway.local")
# Our product's name on the gateway pages and in emails ("Acme Wallet uses <it> to protect your wallet").
GATEWAY_PRODUCT_NAME = env("GATEWAY_PRODUCT_NAME", default="Onboarding Gateway")

# The debug page and error reports (mail to ADMINS) mask every setting whose name matches
# this filter's pattern: Django's own (KEY, SECRET, TOKEN, PASS, ...) plus PEPPER and MASTER.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.SecretsExceptionReporterFilter"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ShortcutContentNegotiation",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "onboarding-gateway API",
    "DESCRIPTION": "Customers (custody wallets) and merchant accounts onboarding.",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Our own icon (static/favicon.svg, served from our origin like every asset of the page).
    "SWAGGER_UI_FAVICON_HREF": f"/{STATIC_URL}favicon.svg",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are grouped by surface in /v2/docs, in this order (every operation has one).
    "TAGS": [
        {"name": "customers", "description": "Custody-wallet customers (PLANBOK-X-API-KEY)."},
        {"name": "challenges", "description": "A customer's challenges: gateway links for PIN and recovery."},
        {"name": "merchant accounts", "description": "Partner client token, merchant accounts, login (JWT)."},
        {"name": "onboarding", "description": "A merchant account's onboarding application and KYC files."},
        {
            "name": "wallets",
            "description": "Wallets on the 2-of-2 key split: wallet/create, public-key, /v2/wallets.",
        },
        {"name": "webhooks", "description": "Signed webhook endpoints, their deliveries and retries."},
        {
            "name": "branding",
            "description": "The organization's brand on the gateway pages and emails: "
            "name, logo, accent, support link.",
        },
    ],
    # One name for each choice set used by several onboarding fields.
    "ENUM_NAME_OVERRIDES": {
        "OnboardingStatusEnum": "onboarding.models.OnboardingApplication.Status",
        "OnboardingDocumentFieldEnum": "onboarding.documents.DOCUMENT_FIELDS",
        "BlockchainEnum": "wallets.models.Blockchain",
    },
}

# Keys. MASTER_KEYS is "version:base64key,..." (32-byte keys); the highest version
# encrypts, every listed version decrypts, so keys rotate without losing old data.
MASTER_KEYS = env("MASTER_KEYS", default=DEV_MASTER_KEYS)
PEPPER = env("PEPPER", default=DEV_PEPPER)
# The OPRF key of PIN scheme v2 (core/keys.py), same "version:base64key,..." form: the highest
# version evaluates for new copies; a copy made under an older version is re-keyed on its next unlock.
OPRF_MASTER_KEY = env("OPRF_MASTER_KEY", default=DEV_OPRF_MASTER_KEY)
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default=DEV_JWT_SIGNING_KEY)

SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "ISSUER": env("JWT_ISSUER", default="onboarding-gateway"),
    "AUDIENCE": env("JWT_AUDIENCE", default="onboarding-gateway-merchant-api"),
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    # Rotation and reuse detection are ours (merchants.services.account_token_refresh): token
    # ids and expiries per sign-in, never whole tokens; simplejwt's blacklist app is not used.
    "UPDATE_LAST_LOGIN": False,
}

# Project options, read through core.conf.app_settings (defaults live there).
ONBOARDING = {
    "CUSTOMERS_RATE_LIMIT": env("CUSTOMERS_RATE_LIMIT", default="10/s"),
    "MERCHANT_RATE_LIMIT": env("MERCHANT_RATE_LIMIT", default="10/60s"),
    "PARENT_MERCHANT_NAME": env("PARENT_MERCHANT_NAME", default="Packworks Merchant"),
    "BCRYPT_ROUNDS": env.int("BCRYPT_ROUNDS", default=12),
    "MERCHANT_LOGIN_RATE_LIMIT": env("MERCHANT_LOGIN_RATE_LIMIT", default="10/60s"),
    "MERCHANT_LOGIN_FAILURE_LIMIT": env("MERCHANT_LOGIN_FAILURE_LIMIT", default="5/15m"),
    "MERCHANT_LOGIN_ACCOUNT_FAILURE_LIMIT": env("MERCHANT_LOGIN_ACCOUNT_FAILURE_LIMIT", default="50/15m"),
    "DB_PREPARED_STATEMENTS": env.bool("DB_PREPARED_STATEMENTS", default=True),
}

# Background work (webhook delivery) on Django's tasks API, through the django-tasks backport
# and its database backend: the queue is a table, so the embedded default needs no extra
# service and production scales out by running more `manage.py run_worker` processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ONBOARDING["WEBHOOK_TIMEOUT_SECONDS"] = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
ONBOARDING["WEBHOOK_LEASE_SECONDS"] = env.float("WEBHOOK_LEASE_SECONDS", default=60)
ONBOARDING["WEBHOOK_BACKOFF_BASE_SECONDS"] = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=10)
ONBOARDING["WEBHOOK_SWEEP_SECONDS"] = env.float("WEBHOOK_SWEEP_SECONDS", default=15)
# http:// and loopback receivers, for local development only (production forces it off).
ONBOARDING["WEBHOOK_ALLOW_LOOPBACK"] = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Client errors (4xx) are answered in the documented body and need no server-side
        # line each (one per refused request, which a misbehaving client can make at will);
        # 5xx are still logged.
        "django.request": {"level": "ERROR"},
    },
}

# Uploads (merchant onboarding KYC files): anything above 64 KiB streams to a temporary
# file instead of memory; stored files and folders are readable by the service user only.
# DATA_UPLOAD_MAX_MEMORY_SIZE (default 2.5 MB) counts only non-file form fields, so it
# does not limit the files themselves (ONBOARDING_FILE_MAX_BYTES does).
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
ONBOARDING["ONBOARDING_FILE_MAX_BYTES"] = env.int("ONBOARDING_FILE_MAX_BYTES", default=10 * 1024 * 1024)
ONBOARDING["ONBOARDING_UPLOAD_MAX_REQUEST_BYTES"] = env.int(
    "ONBOARDING_UPLOAD_MAX_REQUEST_BYTES", default=100 * 1024 * 1024
)

"""What Django's debug page and error reports may show: never the pepper or the master keys."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, which already hides settings named like API, TOKEN, KEY, SECRET, PASS,
    SIGNATURE, plus our secrets whose names it does not catch: PEPPER (and DEV_PEPPER),
    MASTER_KEYS, and URLs that may carry a password (REDIS_URL, EMAIL_URL, DSNs)."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|PEPPER|MASTER|REDIS_URL|EMAIL_URL|DSN", flags=re.I
    )

"""Password and PIN storage: bcrypt over a peppered HMAC-SHA384, 90-day expiry, PIN rotation."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core import crypto
from core.conf import app_settings
from merchants import services
from merchants.models import Account
from merchants.passwords import password_hash, password_is_expired, password_verify
from merchants.selectors import account_pin_matches

KEY1 = "1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE="
KEY2 = "2:" + "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI="
OTHER_PEPPER = "b3RoZXItcGVwcGVyLW9ubHktZm9yLXRoZS10ZXN0cy0xMjM0"


def test_hash_is_bcrypt_at_the_configured_cost(secret_registry):
    secret_registry.add("Tr1cky#Passw0rd")
    assert password_hash("Tr1cky#Passw0rd").startswith(f"$2b${app_settings.BCRYPT_ROUNDS:02d}$")
    with override_settings(ONBOARDING={"BCRYPT_ROUNDS": 12}):
        hashed = password_hash("Tr1cky#Passw0rd")
    assert hashed.startswith("$2b$12$")
    assert password_verify("Tr1cky#Passw0rd", hashed)


def test_production_default_cost_is_12():
    from core.conf import DEFAULTS

    assert DEFAULTS["BCRYPT_ROUNDS"] == 12


def test_64_character_multibyte_password_is_neither_refused_nor_cut(secret_registry):
    base = "Aa1#" + "漢" * 60  # 64 characters, 184 bytes in UTF-8
    other = base[:-1] + "字"  # differs only in the last character, far past byte 72
    secret_registry.add(base, other)
    assert len(base) == 64 and len(base.encode()) > 72
    hashed = password_hash(base)
    assert password_verify(base, hashed)
    assert not password_verify(other, hashed)
    assert not password_verify(base[:-1], hashed)


def test_passwords_differing_after_byte_72_do_not_match(secret_registry):
    # Plain bcrypt would ignore everything after byte 72; the pre-hash does not.
    a = "Aa1#" + "x" * 60
    b = "Aa1#" + "x" * 59 + "y"
    prefix = "Ää1#" + "ö" * 36  # 78 bytes: the difference below sits after byte 72
    c, d = prefix + "abcdefghijklmnopqrstuvwx", prefix + "abcdefghijklmnopqrstuvwy"
    secret_registry.add(a, b, c, d)
    assert len(c) == 64 and len(c.encode()[:72]) == 72 and c.encode()[:72] == d.encode()[:72]
    assert not password_verify(d, password_hash(c))
    assert not password_verify(b, password_hash(a))


def test_pepper_is_part_of_the_hash(secret_registry):
    secret_registry.add("Tr1cky#Passw0rd")
    hashed = password_hash("Tr1cky#Passw0rd")
    with override_settings(PEPPER=OTHER_PEPPER):
        assert not password_verify("Tr1cky#Passw0rd", hashed)


def test_expiry_after_90_days():
    now = timezone.now()
    assert app_settings.PASSWORD_MAX_AGE_DAYS == 90
    assert not password_is_expired(now - timedelta(days=89, hours=23))
    assert password_is_expired(now - timedelta(days=90))


@pytest.mark.django_db
def test_password_changed_at_is_set_on_create(account):
    assert abs(account.password_changed_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.django_db
def test_pin_key_rotation_keeps_old_pins_readable(partner, secret_registry):
    client, _ = partner
    secret_registry.add("Tr1cky#Passw0rd", "7351", "246810")
    with override_settings(MASTER_KEYS=KEY1):
        old = services.account_create(
            api_client=client,
            email="a@example.com",
            phone="+639171234567",
            first_name="Ana",
            middle_name="",
            last_name="Reyes",
            username="ana",
            password="Tr1cky#Passw0rd",
            pin="7351",
        )
    assert crypto.key_version_of(old.pin_ciphertext) == 1
    with override_settings(MASTER_KEYS=f"{KEY1},{KEY2}"):
        new = services.account_create(
            api_client=client,
            email="b@example.com",
            phone="+639171234568",
            first_name="Ben",
            middle_name="",
            last_name="Reyes",
            username="ben",
            password="Tr1cky#Passw0rd",
            pin="246810",
        )
        assert crypto.key_version_of(new.pin_ciphertext) == 2
        assert account_pin_matches(account=Account.objects.get(pk=old.pk), pin="7351")
        assert account_pin_matches(account=Account.objects.get(pk=new.pk), pin="246810")
        assert not account_pin_matches(account=Account.objects.get(pk=old.pk), pin="7352")
    with override_settings(MASTER_KEYS=KEY2):
        assert not account_pin_matches(account=Account.objects.get(pk=old.pk), pin="7351")


@pytest.mark.django_db
def test_pin_ciphertext_is_bound_to_its_account(partner, account):
    client, _ = partner
    other = services.account_create(
        api_client=client,
        email="c@example.com",
        phone="+639171234569",
        first_name="Cy",
        middle_name="",
        last_name="Reyes",
        username="cy",
        password="Tr1cky#Passw0rd",
        pin="9999",
    )
    other.pin_ciphertext = account.pin_ciphertext
    assert not account_pin_matches(account=other, pin="482915")

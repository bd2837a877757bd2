import pytest
from django.test import override_settings

from core import crypto

KEY1 = "1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE="
KEY2 = "2:" + "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI="


def test_round_trip_and_purpose_separation():
    blob = crypto.encrypt(b"secret", purpose="a", aad=b"ctx")
    assert crypto.decrypt(blob, purpose="a", aad=b"ctx") == b"secret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, purpose="b", aad=b"ctx")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, purpose="a", aad=b"other")


def test_tampered_ciphertext_is_rejected():
    blob = bytearray(crypto.encrypt(b"secret", purpose="a"))
    blob[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob), purpose="a")


def test_rotation_keeps_old_ciphertexts_readable():
    with override_settings(MASTER_KEYS=KEY1):
        old = crypto.encrypt(b"pin", purpose="p")
    with override_settings(MASTER_KEYS=f"{KEY1},{KEY2}"):
        assert crypto.decrypt(old, purpose="p") == b"pin"
        new = crypto.encrypt(b"pin", purpose="p")
        assert crypto.key_version_of(new) == 2
    with override_settings(MASTER_KEYS=KEY2), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old, purpose="p")

"""Test data for the merchant API."""

VALID_PASSWORD = "Tr1cky#Passw0rd"
VALID_PIN = "482915"


def valid_body(*, username: str = "juan.dc") -> dict:
    return {
        "contact": {"email": "juan@example.com", "phone": "+639171234567"},
        "user": {
            "firstName": "Juan",
            "middleName": "Protacio",
            "lastName": "Dela Cruz",
            "username": username,
            "password": VALID_PASSWORD,
            "pin": VALID_PIN,
        },
    }

"""Test data for onboarding: valid application bodies per business type, and small real files."""

import copy

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
    b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def person(first: str = "Maria", **extra) -> dict:
    data = {
        "firstName": first,
        "middleName": "Reyes",
        "lastName": "Santos",
        "emailAddress": f"{first.lower()}@example.com",
        "contactNumber": "0917 123 4567",
        "dateOfBirth": "1985-04-12",
        "position": "President",
        "tin": "123456789",
        "sss": "1234567890",
        "mothersMaidenName": "Reyes",
        "gender": "FEMALE",
    }
    data.update(extra)
    return data


def address(**extra) -> dict:
    data = {
        "line1": "12 Rizal Street",
        "buildingNameAndNumber": "Unit 4B, Sunrise Tower",
        "barangay": "San Antonio",
        "city": "Pasig",
        "state": "Metro Manila",
        "postalCode": "1605",
        "contactNumber": "+639171234567",
    }
    data.update(extra)
    return data


def bank(**extra) -> dict:
    data = {
        "accountDepositType": "SAVINGS",
        "currency": "PHP",
        "accountType": "BUSINESS",
        "bankName": "BDO Unibank",
        "accountName": "Sari Sari Corp",
        "accountNumber": "001234567890",
        "preferredSettlementRail": "INSTAPAY",
        "bankCode": "BDO",
    }
    data.update(extra)
    return data


INCORPORATOR_COUNT = {"STARTER": 0, "SOLE_PROPRIETOR": 1, "PARTNERSHIP": 2, "CORPORATION": 3}


def application(business_type: str = "CORPORATION", **extra) -> dict:
    data = {
        "merchantName": "Sari Sari Store",
        "legalName": "Sari Sari Corp.",
        "businessHandle": "sarisari",
        "businessType": business_type,
        "modeOfPayments": ["QRPH", "PAYMENT_LINK"],
        "currency": "PHP",
        "tin": "123-456-789-000",
        "industry": "Retail",
        "serviceDescription": "Neighbourhood grocery",
        "isBrickAndMortarStore": True,
        "address": {"office": address(), "registered": address(line1="1 Ayala Avenue")},
        "representatives": {"authorized": person("Maria"), "escalation": person("Jose", gender="MALE")},
        "incorporators": [person(f"Inc{'abcdefg'[i]}") for i in range(INCORPORATOR_COUNT[business_type])],
        "banks": [bank()],
    }
    if business_type == "STARTER":
        del data["legalName"], data["address"]["registered"], data["incorporators"]
    data.update(extra)
    return copy.deepcopy(data)


REQUIRED = {
    "STARTER": ["idsOfValidSignatories", "barangayBusinessPermit"],
    "SOLE_PROPRIETOR": ["idsOfValidSignatories", "mayorsOrBusinessPermit", "birCert2303"],
    "PARTNERSHIP": [
        "idsOfValidSignatories",
        "mayorsOrBusinessPermit",
        "birCert2303",
        "secCert",
        "gis",
        "aoiAndByLaws",
        "secretarysCert",
    ],
}
REQUIRED["CORPORATION"] = REQUIRED["PARTNERSHIP"]

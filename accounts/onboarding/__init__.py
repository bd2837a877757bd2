"""Merchant onboarding: the KYC application (/v2/onboard) and its documents."""

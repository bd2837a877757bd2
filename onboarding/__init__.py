"""Merchant onboarding: the KYC application (/v2/onboard), its documents and staff review."""

"""App config of onboarding: merchants' KYC applications, their documents and staff review."""

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"
    default_auto_field = "django.db.models.BigAutoField"

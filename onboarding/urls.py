"""URLs of onboarding under /v2/: the application, its status and its documents."""

from django.urls import path

from . import views

urlpatterns = [
    path("onboard", views.OnboardingViewSet.as_view({"post": "create"}), name="merchant-onboard"),
    path(
        "onboard/<str:refNo>",
        views.OnboardingViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="merchant-onboard-detail",
    ),
    path(
        "onboard/<str:refNo>/status",
        views.OnboardingViewSet.as_view({"get": "status"}),
        name="merchant-onboard-status",
    ),
    path(
        "onboard/<str:refNo>/files",
        views.OnboardingFilesViewSet.as_view({"post": "upload"}),
        name="merchant-onboard-files",
    ),
]

"""URLs of the gateway pages under /gateway/."""
from django.urls import path

from . import views

app_name = "gateway"
urlpatterns = [
    path("c/<uuid:challenge_id>/<str:token>", views.open_link, name="open"),
]

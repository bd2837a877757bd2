"""URLs of the webhooks API under /v2/ (no trailing slash, like the customers API)."""

from rest_framework.routers import SimpleRouter

from .views import WebhookViewSet

router = SimpleRouter(trailing_slash=False)
router.register("webhooks", WebhookViewSet, basename="webhooks")

urlpatterns = router.urls

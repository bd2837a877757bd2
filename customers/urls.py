"""URLs of the customers API under /v2/ (no trailing slash, as the public API has none)."""

from rest_framework.routers import SimpleRouter

from .views import CustomerViewSet

router = SimpleRouter(trailing_slash=False)
router.register("customers", CustomerViewSet, basename="customers")

urlpatterns = router.urls

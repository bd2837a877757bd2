"""URLs of the merchant API under /v2/."""
urlpatterns: list = []

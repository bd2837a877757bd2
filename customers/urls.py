"""URLs of the customers API under /v2/."""
urlpatterns: list = []

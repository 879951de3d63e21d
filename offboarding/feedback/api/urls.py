"""URL routes (filled in by its issue)."""

urlpatterns: list = []

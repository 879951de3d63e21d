from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "offboarding.feedback"
    label = "feedback"
    verbose_name = "Exit feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the outbox renderers of this app.
        from offboarding.feedback import renderers  # noqa: F401

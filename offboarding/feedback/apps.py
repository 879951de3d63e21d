from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "offboarding.feedback"
    label = "feedback"
    verbose_name = "Exit feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from offboarding.feedback import checks  # noqa: F401  (registers the deploy check)

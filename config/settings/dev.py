"""The embedded default: SQLite, the filesystem broker, console email, demo-friendly."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "broker" / "processed").mkdir(parents=True, exist_ok=True)
# A fixed development key ring so the demo works out of the box; production must set its own.
CONFIDENTIAL_KEYS = env("CONFIDENTIAL_KEYS", default="1:ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=")
# The demo's HRIS secret for the generic source (never in production settings).
HRIS_SECRETS = env.dict("HRIS_SECRETS", default={"generic": "demo-secret"})
# Django's console backend prints base64 MIME; ours prints the text, links and invites readably.
# Any other EMAIL_URL (smtp://, filemail://, ...) is kept as given.
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F405
    EMAIL_BACKEND = "integrations.console_email.EmailBackend"

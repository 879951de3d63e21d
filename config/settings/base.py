"""Settings shared by every environment; each value comes from the environment (12-factor)."""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local `.env` is optional and never committed; production reads the real environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me-" + "x" * 32)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before allauth, so the pages' sign-in templates replace allauth's own.
    "offboarding.pages",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "rest_framework.authtoken",  # kept for its migrations; API tokens are knox's (hashed, expiring)
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "workflows",
    "workflows.outbox",
    "offboarding",
    "offboarding.interviews",
    "offboarding.feedback",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "offboarding.pages.middleware.PersonLanguageMiddleware",
    "offboarding.pages.middleware.RequireHrSecondFactorMiddleware",
    # Last, as django-axes asks: it answers locked-out logins on every path (/admin/login/ included).
    "axes.middleware.AxesMiddleware",
]

# --- logins: failed attempts are counted per client address in the shared cache (django-axes), on
# every path that calls authenticate() with the request: the token endpoint and /admin/login/.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
# django-axes first (it counts and refuses), then passwords, then allauth's sign-in by email code.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# With a shared cache (CACHE_URL: Redis, required in production) the counters live there; the embedded
# setup without Redis keeps them in the database, which every process shares too.
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if env("CACHE_URL", default="")
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "core.client_ip.login_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated); none by default.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# One cache shared by every process (Redis in production): the login counters must not be per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- API tokens: only a hash is stored, and each expires (django-rest-knox).
# https://jazzband.github.io/django-rest-knox/settings/
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": datetime.timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": False,
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "offboarding.pages.context.navigation",
            ],
        },
    },
]

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'offboarding.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process, the worker and beat share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "offboarding" / "locale"]
LANGUAGE_COOKIE_NAME = "offboarding_language"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- Sign-in (django-allauth): https://docs.allauth.org/en/latest/account/configuration.html
# Accounts come from the people register, never from a public sign-up form. A leaver signs in with
# a one-time code sent to their work email; staff may also use their password.
ACCOUNT_ADAPTER = "offboarding.pages.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "offboarding.pages.accounts.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Offboarding: "
# https://docs.allauth.org/en/latest/mfa/configuration.html
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Offboarding")
# When true, an HR login without an authenticator app is sent to set one up before anything else.
MFA_REQUIRED_FOR_HR = env.bool("MFA_REQUIRED_FOR_HR", default=False)
# Single sign-on by OpenID Connect, shown on the sign-in page when OIDC_SERVER_URL is set:
# https://docs.allauth.org/en/latest/socialaccount/providers/openid_connect.html


def oidc_providers(env) -> dict:
    """allauth's provider settings for one OpenID Connect server, from OIDC_* variables (none: no SSO)."""
    server_url = env("OIDC_SERVER_URL", default="")
    if not server_url:
        return {}
    app = {
        "provider_id": env("OIDC_PROVIDER_ID", default="sso"),
        "name": env("OIDC_PROVIDER_NAME", default="Company sign-in"),
        "client_id": env("OIDC_CLIENT_ID", default=""),
        "secret": env("OIDC_CLIENT_SECRET", default=""),
        "settings": {"server_url": server_url},
    }
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}}


SOCIALACCOUNT_PROVIDERS = oidc_providers(env)
# SSO signs in only people already in the register (matched on a verified email), never creates one.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False

# The public base URL, used in links inside emails (one-click approvals, surveys, calendar feeds).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

# --- Email: https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Offboarding <offboarding@example.com>")
# Well under the delivery task's time limit (CELERY_TASK_TIME_LIMIT).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# How long publishing to the broker after a commit may hold a web request before giving up (the
# sweep then delivers); one message per transaction.
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=1.0)

# --- request size: form fields are read into memory up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses
# larger ones); uploaded files over FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file. The CSV import
# checks Content-Length against CSV_IMPORT_MAX_BYTES before reading anything.
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# --- REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "core.drf.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.drf.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "core.drf.Metadata",
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Offboarding API",
    "DESCRIPTION": "Departures, their checklists and the confidential exit interview.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's Swagger UI comes from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One named enum per choice set: several models have fields called `state` or `kind`.
    "ENUM_NAME_OVERRIDES": {
        "DepartureKindEnum": "offboarding.models.DepartureKind",
        "DepartureStateEnum": "offboarding.models.DepartureState",
        "ReasonCategoryEnum": "offboarding.models.ReasonCategory",
        "InterviewOutcomeEnum": "offboarding.models.InterviewOutcome",
        "InterviewStateEnum": "offboarding.interviews.models.InterviewState",
        "ReferenceStateEnum": "offboarding.interviews.models.ReferenceState",
        "PartStatEnum": "offboarding.interviews.models.PartStat",
        "SurveyStateEnum": "offboarding.feedback.models.SurveyState",
        "StepKindEnum": "workflows.models.StepKind",
        "StepStateEnum": "workflows.models.StepState",
        "AssigneeRoleEnum": "workflows.models.AssigneeRole",
        "AnchorEnum": "workflows.models.Anchor",
        "ActionKindEnum": "workflows.outbox.models.ActionKind",
        "ActionStatusEnum": "workflows.outbox.models.ActionStatus",
        "ChannelEnum": "workflows.outbox.models.Channel",
    },
}

# --- Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# The embedded default is kombu's filesystem transport: a real broker shared by the web process,
# the worker and beat through a folder, with no server to install.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers unacknowledged messages after this; no task is ever queued with a long ETA.
    # Short socket timeouts and one quick connection retry when publishing: an enqueue on commit
    # must not hang a web request when Redis is away (kombu's default retries for ~6 s); the
    # outbox row is already committed and the sweep delivers it later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_timeout": 5,
        "socket_connect_timeout": 3,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# At-least-once: acknowledge after the task ran, so a worker that dies mid-task hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connections around every task unless this is set,
# which opens a new PostgreSQL session (a server process) per delivery. Connections live by
# CONN_MAX_AGE instead, checked around each task like around a request (config.celery).
CELERY_DB_REUSE_MAX = 1_000_000
# One delivery is one message, or a batch that starts no new message after half the soft limit:
# well under a minute, even over a slow SMTP connection. The outbox's
# claim lease is this hard limit plus a margin, so a dead worker's rows come back within 1–2 minutes.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60)
# The soft limit leaves the task time to record a timed-out attempt before the hard kill.
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 15, CELERY_TASK_TIME_LIMIT * 3 // 4)
# The sweep and the fan-out of a request's batch have their own queue and worker, never behind deliveries.
CELERY_TASK_ROUTES = {
    "workflows.outbox.tasks.sweep_due_actions": {"queue": "outbox-sweep"},
    "workflows.outbox.tasks.queue_actions": {"queue": "outbox-sweep"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With late acks, a task running when the broker connection drops will be redelivered anyway;
# cancel it rather than finish it twice (the outbox's row lock makes a second run a no-op).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE: dict = {}
# The outbox sweep: claims due actions (and claims left by dead workers) and queues their ids.
CELERY_BEAT_SCHEDULE["outbox-sweep-due-actions"] = {
    "task": "workflows.outbox.tasks.sweep_due_actions",
    # Every 30 s: with the lease (time limit + 15 s) a dead worker's claim is back within 75–105 s.
    "schedule": 30,
    # A sweep that waited longer than its period is superseded by the next one.
    "options": {"expires": 25},
}
CELERY_BEAT_SCHEDULE["integrations-overdue-steps-chat"] = {"task": "integrations.overdue_steps_chat", "schedule": 86400}
# The organizer mailbox: iTIP replies read every minute when IMAP_URL is set.
CELERY_BEAT_SCHEDULE["integrations-read-organizer-mailbox"] = {
    "task": "integrations.read_organizer_mailbox",
    "schedule": 60,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["feedback-purge-expired-answers"] = {"task": "feedback.purge_expired_answers", "schedule": 21600}

# --- Product settings
# The key ring for confidential answers: "version:base64key,version:base64key"; the highest
# version encrypts, every listed version decrypts. Never derived from SECRET_KEY.
CONFIDENTIAL_KEYS = env("CONFIDENTIAL_KEYS", default="")
# The exit interview: proposed in the last N days of notice (never on the last day), this long.
INTERVIEW_WINDOW_DAYS = env.int("INTERVIEW_WINDOW_DAYS", default=14)
INTERVIEW_DURATION_MINUTES = env.int("INTERVIEW_DURATION_MINUTES", default=60)
# ORGANIZER of invites; attendees' replies go here (its inbound webhook posts to /interviews/replies/).
CALENDAR_ORGANIZER_EMAIL = env("CALENDAR_ORGANIZER_EMAIL", default="")
# A human at HR: the Reply-To of every email we send (answers reach a person, not the organizer mailbox
# or a no-reply address), and who is told of a decline when no HR user scheduled the interview.
HR_REPLY_TO_EMAIL = env("HR_REPLY_TO_EMAIL", default="")
# The organizer mailbox read for iTIP REPLY and COUNTER, e.g. imaps://user:password@mail.example.com/INBOX
# (imap:// for plain IMAP; the path is the folder read, INBOX by default). Unset: the reader is off.
IMAP_URL = env("IMAP_URL", default="")
# Where processed replies are moved (created when missing); the server's own folder separator applies.
IMAP_PROCESSED_FOLDER = env("IMAP_PROCESSED_FOLDER", default="Processed")
IMAP_TIMEOUT = env.int("IMAP_TIMEOUT", default=30)
# Shared secret of the inbound-mail webhook (raw MIME POSTed by a mail provider), signed like HRIS events.
INBOUND_MAIL_SECRET = env("INBOUND_MAIL_SECRET", default="")
# Personal calendars (CalDAV free-busy, published .ics): how long one may take before slots are proposed
# from working hours alone, and how long an answer is reused.
PERSONAL_CALENDAR_TIMEOUT = env.int("PERSONAL_CALENDAR_TIMEOUT", default=8)
PERSONAL_CALENDAR_CACHE_SECONDS = env.int("PERSONAL_CALENDAR_CACHE_SECONDS", default=120)
REPORT_MIN_GROUP_SIZE = env.int("REPORT_MIN_GROUP_SIZE", default=5)
# A quarter of the reasons report is released this many days after it ends, then never revised.
REPORT_RELEASE_DELAY_DAYS = env.int("REPORT_RELEASE_DELAY_DAYS", default=30)
ANSWER_RETENTION_DAYS = env.int("ANSWER_RETENTION_DAYS", default=365)
FOLLOW_UP_DAYS = env.list("FOLLOW_UP_DAYS", cast=int, default=[30, 90])
# HRIS shared secrets per source, e.g. HRIS_SECRETS="generic=...,bamboohr=..."
HRIS_SECRETS = env.dict("HRIS_SECRETS", default={})
OUTBOUND_WEBHOOK_URLS = env.list("OUTBOUND_WEBHOOK_URLS", default=[])
OUTBOUND_WEBHOOK_SECRET = env("OUTBOUND_WEBHOOK_SECRET", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

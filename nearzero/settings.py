"""The one settings module. Every value comes from the environment (see ``.env.example``).

A bad value stops the process at start with the variable's name and the reason.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from nearzero.core.envconf import (
    ConfigError,
    env_bool,
    env_choice,
    env_dir,
    env_int,
    env_list,
    env_str,
    env_tile_url,
    env_time_zone,
)

PACKAGE_DIR = Path(__file__).resolve().parent

try:
    PROFILE = env_choice("NEARZERO_PROFILE", "development", ("development", "production"))
    PRODUCTION = PROFILE == "production"
    DATA_DIR = env_dir("NEARZERO_DATA_DIR", Path.cwd() / "data")
    DEBUG = env_bool("DEBUG", False)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    TIME_ZONE = env_time_zone("NEARZERO_TIME_ZONE", "Asia/Shanghai")
    LANGUAGE_CODE = env_choice("NEARZERO_LANGUAGE", "zh-hans", ("zh-hans", "en"))
    MAP_TILE_URL = env_tile_url("NEARZERO_MAP_TILE_URL")
    MAP_TILE_ATTRIBUTION = env_str("NEARZERO_MAP_TILE_ATTRIBUTION", "")
    DATABASE_URL = env_str("DATABASE_URL", "")
    SECRET_KEY = env_str("SECRET_KEY", "")
    PII_KEY = env_str("NEARZERO_PII_KEY", "")
    DB_CONN_MAX_AGE = env_int("NEARZERO_DB_CONN_MAX_AGE", 60, minimum=0)
    DB_SERVER_SIDE_BINDING = env_bool("NEARZERO_DB_SERVER_SIDE_BINDING", True)
    # Carbon points expire this many months after they were credited, oldest first (0: never).
    POINTS_EXPIRY_MONTHS = env_int("NEARZERO_POINTS_EXPIRY_MONTHS", 12, minimum=0)
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None

if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("DEBUG=true is not allowed with NEARZERO_PROFILE=production")

if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set with NEARZERO_PROFILE=production")
    # Development: one random key per data folder, kept so sessions survive restarts.
    key_file = DATA_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
elif PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of random text")

if not PII_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("NEARZERO_PII_KEY must be set with NEARZERO_PROFILE=production")
    # Development: one random key per data folder. Losing it makes stored phone numbers
    # unreadable, so it is kept apart from SECRET_KEY (which may be rotated freely).
    pii_key_file = DATA_DIR / ".pii_key"
    if not pii_key_file.exists():
        pii_key_file.write_text(secrets.token_urlsafe(48))
        pii_key_file.chmod(0o600)
    PII_KEY = pii_key_file.read_text().strip()
elif len(PII_KEY) < 32 or len(set(PII_KEY)) < 5:
    raise ImproperlyConfigured("NEARZERO_PII_KEY must be at least 32 characters of random text")

if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// URL; "
            "leave it unset for the embedded SQLite database"
        )
    if DB_SERVER_SIDE_BINDING:
        # Server-side parameters let psycopg prepare a statement the fifth time a connection
        # runs it, so hot queries skip PostgreSQL's planner (half the cost of a check-in).
        # Not for a pooler in transaction mode (PgBouncer < 1.21): turn it off there.
        _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "nearzero.sqlite3",
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
            # failing with "database is locked" halfway through a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves its bundled Swagger UI at /api/docs (no CDN)
    "nearzero.web",
    "nearzero.accounts",
    "nearzero.sites",
    "nearzero.audit",
    "nearzero.inventory",
    "nearzero.energy",
    "nearzero.engagement",
    "nearzero.points",
    "nearzero.circle",
    "nearzero.evaluation",
    "nearzero.reports",
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
]

ROOT_URLCONF = "nearzero.urls"
WSGI_APPLICATION = "nearzero.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nearzero.web.context.shell",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves straight from the package's static folders: no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("NEARZERO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("NEARZERO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Labels shown in the UI for the profile, so an operator can see what they run.
PROFILE_LABELS = {"development": _("development"), "production": _("production")}

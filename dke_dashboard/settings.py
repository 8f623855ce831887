"""Settings, read from the environment (cookiecutter-django style).

With no environment at all the app runs in DEBUG on an SQLite file under ``var/``.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common.spreadsheets import ADMIN_FORMATS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

# Keyed hash for CPR numbers and person ids (domain.md: HMAC with a secret from settings). Never
# rotate it: person keys are only stable across imports with the same secret. Required when DEBUG is
# off (a deploy check, importers/checks.py, and charge imports refuse to run without it); only a
# DEBUG (development, demo, tests) setup falls back to SECRET_KEY.
PERSON_KEY_SECRET = os.environ.get("PERSON_KEY_SECRET", "") or (SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client's address for the lock-out
# from the last PROXY_COUNT entries of X-Forwarded-For (accounts.security.client_ip)
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "1"))

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",  # runserver serves static files as production does (WhiteNoise)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "axes",
    "accounts",
    "districts",
    "reports",
    "importers",
    "comparisons",
    "seeding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: hashed names, brotli/gzip, long max-age
    "django.middleware.gzip.GZipMiddleware",  # pages and downloads (Django's BREACH mitigation included)
    "accounts.security.ControlCharactersMiddleware",  # NUL and other control characters in the URL: 400
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.security.NoStoreMiddleware",  # Cache-Control: private, no-store for logged-in users and downloads
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "accounts.middleware.CurrentUserMiddleware",
    "dke_dashboard.middleware.AccessPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "dke_dashboard.conditional.DataETagMiddleware",  # ETag from the data version, 304 before the view runs
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lock-out after repeated failed logins
    "django.contrib.auth.backends.ModelBackend",
]
# Admin downloads (django-import-export, export only: files are loaded through /import/): cells that a
# spreadsheet could run as formulas are written as text (common/spreadsheets.py).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
EXPORT_FORMATS = ADMIN_FORMATS
IMPORT_FORMATS: list = []
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
# Locked per username and client address together: failures from another address cannot lock the real
# user out. Behind the proxy the client's address is the one the proxy appended to X-Forwarded-For.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions: a working day, and gone when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers. No inline scripts anywhere: chart data travels as JSON blocks.
# plotly.js sets style attributes on its SVG, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ROOT_URLCONF = "dke_dashboard.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "dke_dashboard.wsgi.application"

VAR_DIR = Path(os.environ.get("DKE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
# The charge facts' home-side index carries extra columns for index-only scans on PostgreSQL;
# SQLite builds it on the key columns alone, which is what we want there, so no warning about it.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dashboard read while an import writes; a busy timeout instead of
    # "database is locked" when two writers meet.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is served from our own static files (municipal networks block CDNs): the partial bundle with
# the trace types the charts use, in the version the plotly package bundles (static/vendor/plotly/README.md).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# After collectstatic: content-hashed names with brotli/gzip variants, served by WhiteNoise with ten years'
# max-age; without a manifest (tests, runserver on a checkout) the plain names (dke_dashboard/static_storage.py).
# Without collectstatic there is no STATIC_ROOT yet; WhiteNoise then serves nothing from it (files come from
# the finders under runserver), which is not worth a warning at every start.
warnings.filterwarnings("ignore", message="No directory at: ")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "dke_dashboard.static_storage.StaticStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Uploads: analysts upload quarterly extracts; a year of a police district is well
# below this. Larger files get a clear Danish message from the upload form.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
# Police CSV files read from disk (import_file, the upload store) above this size are streamed in chunks.
IMPORT_STREAM_BYTES = int(os.environ.get("IMPORT_STREAM_BYTES", str(32 * 1024 * 1024)))
# A previewed upload waits on disk for its confirmation at most this long (it may hold CPR numbers).
IMPORT_UPLOAD_KEEP_HOURS = float(os.environ.get("IMPORT_UPLOAD_KEEP_HOURS", "24"))
# Admin exports of more rows than this run as a background job with a download link (common.admin_exports)
ADMIN_EXPORT_INLINE_ROWS = int(os.environ.get("ADMIN_EXPORT_INLINE_ROWS", "20000"))
ADMIN_EXPORT_KEEP_HOURS = float(os.environ.get("ADMIN_EXPORT_KEEP_HOURS", "24"))
# An import or rollback still queued after this long, with no job working on it, is shown as stalled
# (the broker lost it, or the process died before taking it up); a job that died once it had started
# is shown at once (importers.jobs).
IMPORT_QUEUE_PATIENCE_MINUTES = float(os.environ.get("IMPORT_QUEUE_PATIENCE_MINUTES", "30"))
# Excel files: a sheet declaring or holding more rows or columns than these is refused before it is
# read, and so is a workbook whose parts unpack to more than IMPORT_MAX_XLSX_UNPACKED_BYTES (a few KB
# of zip can claim gigabytes). An .xlsx larger than IMPORT_PREVIEW_INLINE_BYTES is previewed by a job,
# not in the upload's request.
IMPORT_MAX_XLSX_ROWS = int(os.environ.get("IMPORT_MAX_XLSX_ROWS", "500000"))
IMPORT_MAX_XLSX_COLUMNS = int(os.environ.get("IMPORT_MAX_XLSX_COLUMNS", "200"))
IMPORT_MAX_XLSX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_XLSX_UNPACKED_BYTES", str(512 * 1024 * 1024)))
IMPORT_PREVIEW_INLINE_BYTES = int(os.environ.get("IMPORT_PREVIEW_INLINE_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Small-count suppression in public views (domain.md): cells below this are shown "<N".
SUPPRESSION_MIN_COUNT = int(os.environ.get("SUPPRESSION_MIN_COUNT", "3"))
# A change (or a difference between two districts) is called significant when its p-value is below this
# (domain.md, "How sure a number is"); words such as "steget"/"faldet" follow it.
SIGNIFICANCE_LEVEL = float(os.environ.get("SIGNIFICANCE_LEVEL", "0.05"))
# The age groups of "share of young people charged" (domain.md; Sikker By uses 15–17), as "15-17,18-25".
YOUNG_AGE_GROUPS = [
    (int(low), int(high))
    for low, high in (band.split("-") for band in os.environ.get("YOUNG_AGE_GROUPS", "15-17,18-25").split(","))
]

# Background jobs: Celery on Redis when configured, in-process otherwise.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Imports and PDFs take seconds to minutes: a worker process reserves one task at a time, so a task
# does not wait behind a long import on a busy worker while another worker is idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Import progress travels through the cache: with a Redis broker, web and workers share it.
CACHE_URL = os.environ.get("CACHE_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dke",
              "OPTIONS": {"MAX_ENTRIES": 5000}}
    )
}
# ETags from the data version (dke_dashboard/conditional.py): these views answer a repeat visit with 304.
ETAG_URL_NAMES = ["dashboard", "figure_detail", "figure_download", "comparison", "comparison_download", "indicators"]
# Staff pages among them that show exact counts of charges or charged persons (besides the personal figures'
# own pages): private, no-store and no ETag, unless CACHE_PERSONAL_PAGES (staff PCs not shared).
PERSON_COUNT_URL_NAMES = ["dashboard"]
CACHE_PERSONAL_PAGES = env_bool("CACHE_PERSONAL_PAGES", False)
# Settings that change figures; part of every ETag.
ETAG_SETTINGS = ["SUPPRESSION_MIN_COUNT", "SIGNIFICANCE_LEVEL", "YOUNG_AGE_GROUPS"]
# Figure tables are cached under the data version (reports.versioning); this only bounds memory.
FIGURE_CACHE_SECONDS = int(os.environ.get("FIGURE_CACHE_SECONDS", "3600"))
# After an import or rollback from the web, render the default dashboards in the background so the
# first visitor gets them from the cache (reports/warm.py).
FIGURE_WARM_AFTER_WRITE = env_bool("FIGURE_WARM_AFTER_WRITE", True)
# Without a broker a confirmed import runs in a background thread of the web process;
# tests set this to True to run it inline.
IMPORT_RUN_INLINE = env_bool("IMPORT_RUN_INLINE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint warns about every SVG presentation style (fill, stroke) it reads from
        # matplotlib's charts, although it draws them; real failures are errors.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "matplotlib": {"level": "WARNING"},
    },
}
REPORT_LOGO_PATH = os.environ.get("REPORT_LOGO_PATH", "")

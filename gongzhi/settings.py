"""Settings, read from the environment with safe defaults for the embedded (SQLite) mode.

Environment variables (all optional):
  GONGZHI_DATABASE_URL  database URL; default: SQLite file in GONGZHI_DATA_DIR
  GONGZHI_REDIS_URL     Redis for the channel layer and the task queue; unset: in-process/SQLite
  GONGZHI_SECRET_KEY    Django secret key; default: generated once into GONGZHI_DATA_DIR/secret.key
  GONGZHI_DATA_KEY      field-encryption keyring "kid:base64key[,kid:base64key…]" (first = primary);
                        default: GONGZHI_DATA_DIR/data.key, generated on first use
  GONGZHI_DATA_DIR      folder for the embedded database, keys and uploads; default ./data
  GONGZHI_DEBUG         "1" for Django debug pages
  GONGZHI_ALLOWED_HOSTS comma-separated host names; default: localhost names
  GONGZHI_DB_SERVER_BINDING  "0" to quote parameters client-side on PostgreSQL (PgBouncer in
                        transaction mode); default: server-side binding with prepared statements
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("GONGZHI_DATA_DIR", PROJECT_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_file(name: str, make) -> str:
    path = DATA_DIR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY") or _secret_from_file(
    "secret.key", lambda: secrets.token_urlsafe(50)
)
DEBUG = os.environ.get("GONGZHI_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(
        ","
    )
    if h.strip()
]

# Field encryption keyring; see gongzhi/core/crypto.py. The file lives outside the database.
DATA_KEY = os.environ.get("GONGZHI_DATA_KEY", "")
DATA_KEY_FILE = DATA_DIR / "data.key"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "huey.contrib.djhuey",
    "gongzhi.core",
    "gongzhi.org",
    "gongzhi.people",
    "gongzhi.groups",
    "gongzhi.workorders",
    "gongzhi.assistant",
    "gongzhi.chat",
    "gongzhi.adapters",
    "gongzhi.seed",
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

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"
ASGI_APPLICATION = "gongzhi.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context_processors.roles",
            ]
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'gongzhi.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("GONGZHI_DATABASE_URL") or _default_db, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep connections: closing the last connection to a WAL database checkpoints it to disk,
    # which made every WebSocket send ~4x slower (benchmarks/realtime.py, 42 ms → 10 ms).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE avoids lock upgrades mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server (psycopg's own cursor, which also prepares statements a
    # connection repeats) instead of quoted into the SQL text in Python: 6.1 → 5.0 ms of CPU per
    # work-order create, 152 → 186 creates/s for a 4-thread worker (benchmarks/workorders.py).
    # Behind PgBouncer in transaction mode (no prepared statements) set GONGZHI_DB_SERVER_BINDING=0.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = os.environ.get(
        "GONGZHI_DB_SERVER_BINDING", "1"
    ) not in ("0", "false", "no")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REDIS_URL = os.environ.get("GONGZHI_REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # One Redis list per server process carries every socket's events: its capacity must
            # cover a 1,160-group broadcast, or channels_redis drops events silently (measured).
            "CONFIG": {"hosts": [REDIS_URL], "channel_capacity": {"specific.*": 20000}},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Task queue: huey. SQLite storage in the data folder by default, Redis when configured;
# `gongzhi run_huey` is the worker (several may run). Tests run tasks immediately.
HUEY = {
    "name": "gongzhi",
    "immediate": os.environ.get("GONGZHI_TASKS_IMMEDIATE") == "1",
    "utc": True,
    # poll at most every second: scheduled broadcasts and sweeps start promptly
    "consumer": {"workers": 2, "worker_type": "thread", "max_delay": 1.0},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")})

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions and ModelBackend, each with its per-request read compiled once
# (gongzhi/core/prepared.py): ~0.8 ms less CPU on every signed-in request
SESSION_ENGINE = "gongzhi.core.sessions"
AUTHENTICATION_BACKENDS = ["gongzhi.people.backends.ModelBackend"]
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "gongzhi.core.logging.MaskPIIFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_pii"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Channel adapters (gongzhi/adapters, docs/channels.md). Each channel is off (404) until set.
GONGZHI_WECHAT_TOKEN = os.environ.get("GONGZHI_WECHAT_TOKEN", "")
GONGZHI_WECHAT_AES_KEY = os.environ.get("GONGZHI_WECHAT_AES_KEY", "")
GONGZHI_WECHAT_APPID = os.environ.get("GONGZHI_WECHAT_APPID", "")
GONGZHI_WECHAT_SECRET = os.environ.get("GONGZHI_WECHAT_SECRET", "")
GONGZHI_WECHAT_API_BASE = os.environ.get("GONGZHI_WECHAT_API_BASE", "https://api.weixin.qq.com/")
GONGZHI_WECOM_TOKEN = os.environ.get("GONGZHI_WECOM_TOKEN", "")
GONGZHI_WECOM_AES_KEY = os.environ.get("GONGZHI_WECOM_AES_KEY", "")
GONGZHI_WECOM_CORPID = os.environ.get("GONGZHI_WECOM_CORPID", "")
GONGZHI_WECOM_AGENTID = os.environ.get("GONGZHI_WECOM_AGENTID", "")
GONGZHI_WECOM_SECRET = os.environ.get("GONGZHI_WECOM_SECRET", "")
GONGZHI_WECOM_API_BASE = os.environ.get("GONGZHI_WECOM_API_BASE", "https://qyapi.weixin.qq.com/")
GONGZHI_WECOM_ROBOT_URL = os.environ.get("GONGZHI_WECOM_ROBOT_URL", "")

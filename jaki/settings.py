"""One settings module, configured from the environment.

Unset variables give the embedded default that `make run` uses (SQLite, local media,
in-memory channel layer, eager Celery, console SMS). Production sets `DJANGO_ENV=production`
and the secrets; nothing secret has a production default.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production"):
    raise environ.ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="development-only-key-never-used-in-production-0123456789"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Browser pages allowed to open the live feed (Channels' OriginValidator patterns); a handshake
# without Origin (native apps) is always let through to the token check. Production defaults to
# this site's own HTTPS pages (the admin, the API docs).
WEBSOCKET_ALLOWED_ORIGINS = env.list(
    "WEBSOCKET_ALLOWED_ORIGINS",
    default=[f"https://{host}" for host in ALLOWED_HOSTS]
    if PRODUCTION
    else ["http://127.0.0.1:8000", "http://localhost:8000", "http://testserver"],
)

INSTALLED_APPS = [
    "jaki.admin_site.JakiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "jaki.idempotency",
    "axes",
    # Before accounts: its permissions must exist when accounts grants them to the auditor role.
    "jaki.audit",
    "jaki.media",
    "jaki.regions",
    "jaki.accounts",
    "jaki.apikeys",
    "jaki.notifications",
    # The services, on the platform above.
    "complaints",
    "cctv",
    "airquality",
    "disasteralerts",
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
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jaki.urls"
WSGI_APPLICATION = "jaki.wsgi.application"
ASGI_APPLICATION = "jaki.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jaki" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Threads serving HTTP in one process (granian's --blocking-threads in deploy/Procfile, a2wsgi's
# fixed pool in jaki/asgi.py). Without a pool each keeps at most one persistent connection; with
# one (deploy/: granian retires idle threads without closing theirs) the process holds at most
# DATABASE_POOL_MAX_SIZE.
WEB_THREADS = env.int("WEB_THREADS", default=4)
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
# How long a request waits for a pooled connection: past it, a 503 (PostgreSQL down or the pool
# exhausted) beats holding a phone's request.
DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection PostgreSQL closed (a restart) is found and replaced before it is used:
    # Django pings persistent ones, and the pool checks each one it hands out.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASE_POOL_MAX_SIZE:
        # psycopg's pool, shared by the process's threads (deploy/Procfile `web:` and `ws:`);
        # Django refuses persistent connections beside it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, channel layer ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, answering from process memory while Redis is down (jaki/cache.py).
            "BACKEND": "jaki.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "jaki",
            "OPTIONS": {
                # A Redis that hangs must not hold a request for long.
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=2.0),
            },
        }
    }
    # The live feed's layer (README: the live feed at city scale). `pubsub`: a group message is
    # one PUBLISH that each ws process fans out to its own sockets, groups live in the process
    # (they never expire while a socket is open) and each process holds two Redis connections.
    # `core`: channels-redis's original layer, one sorted set per group, kept for comparison
    # (bench/live_feed.py measures both) and as a fallback.
    CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
    if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
        raise environ.ImproperlyConfigured(
            f"CHANNEL_LAYER must be one of {sorted(CHANNEL_LAYER_BACKENDS)}, not {CHANNEL_LAYER!r}."
        )
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
            # Pub/sub channels are server-wide, blind to the database number: the prefix names
            # the database, so two sites sharing a Redis server never hear each other's events.
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str(
                    "CHANNEL_LAYER_PREFIX",
                    default=f"jaki:ws:{urlsplit(REDIS_URL).path.strip('/') or '0'}:",
                ),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYER = "memory"  # one process: `make run`, tests without Redis
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # Its groups expire after a day by default; a feed must stay in them while it is open.
            "CONFIG": {"group_expiry": 10 * 365 * 86400},
        }
    }

# While Redis is down the cache tries it again every CACHE_RETRY_SECONDS (jaki/cache.py); an
# answer refused for a dependency's fault (503) tells clients to come back after
# UNAVAILABLE_RETRY_AFTER_SECONDS.
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
UNAVAILABLE_RETRY_AFTER_SECONDS = env.int("UNAVAILABLE_RETRY_AFTER_SECONDS", default=10)

# The broker is REDIS_URL's Redis unless CELERY_BROKER_URL names another (a Redis of its own keeps
# the queues apart from the cache's evictions).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# How long a task taken by a worker that died stays invisible before Redis hands it out again,
# and how often workers sweep for such tasks (every interval x throttle seconds).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Asia/Jakarta"

# --- Storage ---------------------------------------------------------------------------------
# Media live in two stores (jaki.media): `media_private` (complaint photos, snapshots: served
# only through short-lived signed URLs) and `media_public` (plain URLs). Locally they are two
# folders of MEDIA_ROOT, and only `public/` is ever served as files; on S3 they are two prefixes
# of one bucket, the private one presigned (a bucket policy makes `public/*` readable).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
# The embedded default serves static files straight from the apps; production collects them.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
# What one upload may be: bytes on the wire (each file, and all of a request's), pixels declared
# in its header (checked before it is decoded), the longest side kept, the thumbnail's longest
# side; and how long a signed URL of a private file works.
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# All the files of one request together (a complaint takes up to 3 photos).
MEDIA_MAX_REQUEST_BYTES = env.int("MEDIA_MAX_REQUEST_BYTES", default=3 * MEDIA_MAX_UPLOAD_BYTES)
MEDIA_MAX_PIXELS = env.int("MEDIA_MAX_PIXELS", default=64_000_000)
MEDIA_MAX_SIDE = env.int("MEDIA_MAX_SIDE", default=2048)
MEDIA_THUMBNAIL_SIDE = env.int("MEDIA_THUMBNAIL_SIDE", default=320)
MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=300)
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
    _media_private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "location": "private",
            "querystring_auth": True,
            "querystring_expire": MEDIA_SIGNED_URL_SECONDS,
            "signature_version": "s3v4",
            # A presigned URL must reach the bucket itself, never a public CDN domain.
            "custom_domain": None,
        },
    }
    _media_public = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "public", "querystring_auth": False},
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _media_private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: these files have no address of their own (jaki.media signs one).
        "OPTIONS": {"location": Path(MEDIA_ROOT) / "private", "base_url": None},
    }
    _media_public = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(MEDIA_ROOT) / "public", "base_url": f"{MEDIA_URL}public/"},
    }
STORAGES = {
    "default": _default_storage,
    "media_private": _media_private,
    "media_public": _media_public,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Accounts, OTP and SMS -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the check
    "jaki.accounts.backends.PhoneBackend",
]
# Admin password lockout (django-axes, README "Admin lockout"): ADMIN_LOGIN_FAILURE_LIMIT
# failures lock that account from every address, and lock that address for every account,
# for ADMIN_LOGIN_COOLOFF_MINUTES. Failures are kept in the database and shown in the admin.
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "jaki.accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "jaki.api.client_address"
AXES_CLIENT_STR_CALLABLE = "jaki.accounts.backends.axes_client_str"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # jaki/accounts/admin.py shows axes' records with masked phones
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_COOLOFF_MESSAGE = _("Too many failed logins. Try again later, or ask an administrator.")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="ID")
SMS_BACKEND = env.str("SMS_BACKEND", default="jaki.accounts.sms.ConsoleSMSBackend")
# For SMS_BACKEND=jaki.accounts.sms.HTTPGatewaySMSBackend.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10.0)
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=300)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
# Codes one client address may have sent to one phone per window, and all addresses together:
# an attacker hammering a number from one place cannot use up its owner's codes.
OTP_MAX_CODES_PER_CLIENT = env.int("OTP_MAX_CODES_PER_CLIENT", default=3)
OTP_MAX_CODES_PER_PHONE = env.int("OTP_MAX_CODES_PER_PHONE", default=10)
OTP_PHONE_WINDOW_SECONDS = env.int("OTP_PHONE_WINDOW_SECONDS", default=15 * 60)
# Firebase App Check on code requests (X-Firebase-AppCheck), verified with FIREBASE_CREDENTIALS.
APP_CHECK_REQUIRED = env.bool("APP_CHECK_REQUIRED", default=False)
APP_CHECK_JWKS_URL = env.str("APP_CHECK_JWKS_URL", default="")  # tests: a local fake's keys

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jaki.accounts.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["jaki.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "jaki.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "jaki.schema.AutoSchema",
    "EXCEPTION_HANDLER": "jaki.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="240/min"),
        "otp_ip": env.str("THROTTLE_OTP_IP", default="20/hour"),
        "token_ip": env.str("THROTTLE_TOKEN_IP", default="60/hour"),
        # Per machine key (jaki.apikeys); a key may set its own rate.
        "api_key": env.str("THROTTLE_API_KEY", default="600/min"),
    },
    # Proxies in front of the app that append to X-Forwarded-For: the client is the address the
    # outermost of them saw. 0 trusts no header (DRF's None would trust the whole of it).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
IDEMPOTENCY_TTL_SECONDS = env.int("IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
# How long a request holds its Idempotency-Key while it runs; a record still pending after that
# belongs to a request that was killed, and a retry may take the key over.
IDEMPOTENCY_PENDING_SECONDS = env.int("IDEMPOTENCY_PENDING_SECONDS", default=60)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_SECONDS", default=15 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_SECONDS", default=30 * 86400)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "JAKI API",
    "DESCRIPTION": "The mobile API of JAKI, Jakarta's citizen super-app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.Status.choices",
        "CameraStatusEnum": "cctv.models.Status.choices",
        "CameraCategoryEnum": "cctv.models.Category.choices",
        "AlertCategoryEnum": "disasteralerts.models.Category.choices",
        "StationKindEnum": "airquality.models.StationKind.choices",
        "AlertStatusEnum": "disasteralerts.models.Status.choices",
        "AlertStateEnum": "disasteralerts.models.State.choices",
    },
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Push notifications ----------------------------------------------------------------------
FIREBASE_CREDENTIALS = env.str("FIREBASE_CREDENTIALS", default="")
FCM_ENDPOINT = env.str("FCM_ENDPOINT", default="")
PUSH_BACKEND = env.str("PUSH_BACKEND", default="firebase" if FIREBASE_CREDENTIALS else "log")
# Concurrent sends (threads and pooled HTTP connections) in each worker process.
PUSH_SEND_CONCURRENCY = env.int("PUSH_SEND_CONCURRENCY", default=64)
PUSH_CHUNK_SIZE = env.int("PUSH_CHUNK_SIZE", default=500)
PUSH_HTTP_TIMEOUT_SECONDS = env.float("PUSH_HTTP_TIMEOUT_SECONDS", default=10.0)
# 10 tries 5 s apart doubling (half to all of each step) wait 15 to 30 minutes in all: a 10-minute
# FCM outage is ridden out (tests/faults/test_fcm_outage.py).
PUSH_MAX_ATTEMPTS = env.int("PUSH_MAX_ATTEMPTS", default=10)
PUSH_RETRY_BASE_SECONDS = env.float("PUSH_RETRY_BASE_SECONDS", default=5.0)
PUSH_RETRY_MAX_SECONDS = env.float("PUSH_RETRY_MAX_SECONDS", default=600.0)
# A delivery still "sending" this long after its claim was lost with a crashed worker.
PUSH_STALE_DELIVERY_SECONDS = env.int("PUSH_STALE_DELIVERY_SECONDS", default=900)
# Push work still waiting this long (a fan-out never enqueued, a retry past its due time) is
# enqueued again by the requeue sweeper; claims make a second task send nothing twice.
PUSH_REQUEUE_AFTER_SECONDS = env.int("PUSH_REQUEUE_AFTER_SECONDS", default=300)

# --- Disaster warnings (disasteralerts) ------------------------------------------------------
# CAP <sender> of the warnings JAKI writes: no spaces, commas, '<' or '&' (CAP 1.2).
ALERTS_SENDER = env.str("ALERTS_SENDER", default="bpbd.jakarta.go.id")
ALERTS_SENDER_NAME = env.str("ALERTS_SENDER_NAME", default="BPBD Provinsi DKI Jakarta")
# An Immediate warning reaching at least this many kelurahan also goes to their FCM topics, so
# the city-wide fan-out does not wait for per-device sends (DOMAIN.md: FCM capacity).
ALERTS_TOPIC_MIN_KELURAHAN = env.int("ALERTS_TOPIC_MIN_KELURAHAN", default=30)
# Intake (beat, `ingest` queue): CAP 1.2 documents to import, BMKG feeds to poll (e.g.
# https://data.bmkg.go.id/DataMKG/TEWS/autogempa.json and gempaterkini.json), comma-separated.
ALERTS_CAP_URLS = env.list("ALERTS_CAP_URLS", default=[])
ALERTS_BMKG_URLS = env.list("ALERTS_BMKG_URLS", default=[])
ALERTS_FETCH_TIMEOUT_SECONDS = env.float("ALERTS_FETCH_TIMEOUT_SECONDS", default=10.0)
ALERTS_FETCH_MAX_BYTES = env.int("ALERTS_FETCH_MAX_BYTES", default=1_000_000)
# A BMKG quake is drafted from this magnitude within this distance of Monas (any tsunami warning
# is drafted).
ALERTS_BMKG_MIN_MAGNITUDE = env.float("ALERTS_BMKG_MIN_MAGNITUDE", default=5.0)
ALERTS_BMKG_MAX_DISTANCE_KM = env.float("ALERTS_BMKG_MAX_DISTANCE_KM", default=250.0)
# A water-gate reading older than this is stored but drafts nothing (a late or replayed batch).
ALERTS_GATE_READING_MAX_AGE_MINUTES = env.int("ALERTS_GATE_READING_MAX_AGE_MINUTES", default=180)

# --- Retention (beat purges, in batches of RETENTION_BATCH_SIZE rows) ------------------------
# Push deliveries (one row per device per notification) and inbox items are kept this long;
# a notification goes once neither is left. Admin login records (django-axes) likewise.
RETENTION_DELIVERY_DAYS = env.int("RETENTION_DELIVERY_DAYS", default=90)
RETENTION_INBOX_DAYS = env.int("RETENTION_INBOX_DAYS", default=180)
RETENTION_ADMIN_LOGIN_LOG_DAYS = env.int("RETENTION_ADMIN_LOGIN_LOG_DAYS", default=90)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)

# --- Complaints ------------------------------------------------------------------------------
# How often a process checks whether another changed the complaint categories (seconds).
COMPLAINTS_CATEGORIES_CHECK_SECONDS = env.float("COMPLAINTS_CATEGORIES_CHECK_SECONDS", default=5.0)

# --- Regions ---------------------------------------------------------------------------------
# How often a process checks whether another process changed the regions (seconds).
REGIONS_INDEX_CHECK_SECONDS = env.float("REGIONS_INDEX_CHECK_SECONDS", default=5.0)
# A point in no kelurahan but at most this many metres from one belongs to the nearest: the
# official files are simplified level by level, so coasts and seams differ by metres. 0: off.
REGIONS_LOCATE_TOLERANCE_M = env.float("REGIONS_LOCATE_TOLERANCE_M", default=50.0)

# --- CCTV (cctv/; README "CCTV") -----------------------------------------------------------
# Fernet keys (MultiFernet: the first encrypts, every one decrypts) for the cameras' origin and
# snapshot URLs; rotate by putting a new key first and running `manage.py cctv_rotate_keys`.
# Development derives one from SECRET_KEY; production must set them (system check cctv.E001).
CCTV_SECRET_KEYS = env.list("CCTV_SECRET_KEYS", default=[])
# Stream-token keys as `kid:secret` pairs: the first signs, every one verifies (rotation).
CCTV_STREAM_KEYS = env.list("CCTV_STREAM_KEYS", default=[])
# Where players fetch HLS: the edge (MediaMTX or nginx) in front of the cameras.
CCTV_STREAM_BASE_URL = env.str("CCTV_STREAM_BASE_URL", default="http://127.0.0.1:8888")
# `hmac`: our token, checked by the edge through POST /cctv/media-auth/ (MediaMTX authMethod
# http); `nginx`: nginx secure_link (MD5) with CCTV_NGINX_SECURE_LINK_SECRET (deploy/README.md).
CCTV_STREAM_SIGNING = env.str("CCTV_STREAM_SIGNING", default="hmac")
CCTV_NGINX_SECURE_LINK_SECRET = env.str("CCTV_NGINX_SECURE_LINK_SECRET", default="")
# Life of a stream URL, 60 to 300 seconds (DOMAIN.md 4; system check cctv.E003).
CCTV_STREAM_TOKEN_SECONDS = env.int("CCTV_STREAM_TOKEN_SECONDS", default=120)
# Cameras one user may watch at once (live stream sessions on distinct cameras).
CCTV_MAX_STREAMS_PER_USER = env.int("CCTV_MAX_STREAMS_PER_USER", default=3)
# How often a process checks whether another changed which cameras are public (seconds).
CCTV_CATALOGUE_CHECK_SECONDS = env.float("CCTV_CATALOGUE_CHECK_SECONDS", default=5.0)
# A token is bound to the first address that plays it: another address replaying it is refused.
CCTV_STREAM_BIND_ADDRESS = env.bool("CCTV_STREAM_BIND_ADDRESS", default=True)
# Health probes: one playlist GET per camera per cycle, bounded in time, bytes and concurrency.
CCTV_PROBE_TIMEOUT_SECONDS = env.float("CCTV_PROBE_TIMEOUT_SECONDS", default=5.0)
CCTV_PROBE_CONNECT_TIMEOUT_SECONDS = env.float("CCTV_PROBE_CONNECT_TIMEOUT_SECONDS", default=2.0)
CCTV_PROBE_CONCURRENCY = env.int("CCTV_PROBE_CONCURRENCY", default=1000)
CCTV_PROBE_MAX_PLAYLIST_BYTES = env.int("CCTV_PROBE_MAX_PLAYLIST_BYTES", default=256 * 1024)
# Operators are told once a camera has been offline this long, and again when it is back.
CCTV_OFFLINE_NOTICE_AFTER_SECONDS = env.int("CCTV_OFFLINE_NOTICE_AFTER_SECONDS", default=15 * 60)
# A snapshot younger than this is served from storage instead of being fetched again.
CCTV_SNAPSHOT_MAX_AGE_SECONDS = env.int("CCTV_SNAPSHOT_MAX_AGE_SECONDS", default=60)
CCTV_SNAPSHOT_TIMEOUT_SECONDS = env.float("CCTV_SNAPSHOT_TIMEOUT_SECONDS", default=5.0)

# --- Security (production) ------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "jaki.logging.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Replaces Django's own console handler, so each record is written once, redacted.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "jaki.sms": {"level": "INFO"},
        # uvicorn configures its own handlers before it imports the app; these replace them, so
        # its access log (URLs with `?token=`) is written redacted too.
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO", "propagate": True},
        "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Air quality ---------------------------------------------------------------------------
# The periodic fetcher (airquality/clients.py): a dotted path of a source class, empty for none.
AIRQUALITY_FETCH_SOURCE = env.str("AIRQUALITY_FETCH_SOURCE", default="")
AIRQUALITY_OPENAQ_URL = env.str("AIRQUALITY_OPENAQ_URL", default="https://api.openaq.org")
AIRQUALITY_OPENAQ_API_KEY = env.str("AIRQUALITY_OPENAQ_API_KEY", default="")
AIRQUALITY_FETCH_TIMEOUT_SECONDS = env.float("AIRQUALITY_FETCH_TIMEOUT_SECONDS", default=10.0)

"""Configuration defaults. Every key can be overridden by an environment variable TANJI_<KEY>."""


class Config:
    # Path of the SQLite database; None means <instance folder>/tanji.db.
    DATABASE = None
    # PostgreSQL instead of SQLite: postgresql://user:password@host:port/dbname (None: SQLite).
    DATABASE_URL = None
    # Most PostgreSQL connections each worker process keeps (its pool), and how long, in
    # seconds, a request waits for a free one before 503.
    DATABASE_POOL_SIZE = 10
    DATABASE_POOL_TIMEOUT = 5.0
    # Create the schema and seed the sample catalogue when the database is empty.
    SEED_ON_FIRST_RUN = True
    # create_app() creates (and migrates) a missing database (CLI commands, tests). Served
    # workers set it false (deploy/gunicorn.conf.py): `flask init-db`, make run's first step,
    # creates it, so a worker restarted after the file was deleted cannot silently serve a
    # new, empty catalogue.
    CREATE_DATABASE = True
    # Host and port `make run` binds (TANJI_HOST, TANJI_PORT); the public base URL follows them.
    HOST = "127.0.0.1"
    PORT = 8000
    # Public base URL of this service, where label QR codes lead (<base>/01/<gtin>, <base>/c/<number>);
    # None means http(s)://HOST:PORT (https when TLS_CERT and TLS_KEY are set).
    PUBLIC_BASE_URL = None
    # Pin "today" (YYYY-MM-DD) for certificate validity; None means the real date (UTC+8).
    TODAY = None
    # Folder of the front-end packages served under /vendor/ (None: node_modules in the repository).
    NODE_MODULES = None
    # Cache-Control max-age, in seconds, of those package files (pinned by package-lock.json).
    ASSET_MAX_AGE = 86400
    # Font file with Chinese glyphs for label.png; None: the first of
    # app/web/label_image.py's CJK_FONTS found (scripts/system-deps.sh installs one).
    LABEL_FONT = None
    # Cache-Control max-age, in seconds, of GET lookups.
    CACHE_MAX_AGE = 60
    # Most scanned texts accepted by one POST /v1/resolve.
    RESOLVE_BATCH_LIMIT = 100
    # How many rendered lookup responses each worker keeps in memory.
    RESPONSE_CACHE_SIZE = 20000
    # Most memory, in MiB, those responses may take per worker (bodies, keys and bookkeeping).
    RESPONSE_CACHE_MB = 32
    # Largest photo POST /v1/scans accepts, in bytes; only /v1/scans takes bodies this big.
    MAX_UPLOAD_BYTES = 15 * 1024 * 1024
    # Largest request body of every other endpoint (JSON), in bytes: bounds per-request work.
    MAX_JSON_BYTES = 512 * 1024
    # Largest body of the ingest API (a batch of up to 1000 certificates), in bytes.
    MAX_ADMIN_BODY_BYTES = 2 * 1024 * 1024
    # Most parts a multipart body may have (a scan needs one); more get 413.
    MAX_FORM_PARTS = 8
    # Largest image, in pixels (from its header), the scanner decodes; bigger ones get 413.
    SCAN_MAX_PIXELS = 40_000_000
    # Most frames an animated GIF/TIFF/WebP may declare before it is refused (413).
    SCAN_MAX_FRAMES = 100
    # Scans decoded at once per worker; more wait up to SCAN_QUEUE_SECONDS, then get 503.
    SCAN_CONCURRENCY = 1
    SCAN_QUEUE_SECONDS = 10
    # Seconds of decoding one photo may use; once spent, no further fallback pass starts.
    SCAN_TIME_BUDGET_SECONDS = 4.0
    # POST /v1/scans limit per client IP (flask-limiter syntax); decoding is CPU-heavy.
    SCAN_RATE_LIMIT = "30 per minute"
    # Where rate-limit counters live. None: a file in /dev/shm shared by every worker on this
    # machine (addresses hashed, never on disk); redis://host:port for several machines.
    RATELIMIT_STORAGE_URI = None
    # False switches rate limiting off (tests do, except the limiter's own test).
    RATELIMIT_ENABLED = True
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
    # (nginx in deploy/: 1). 0: the peer is the client, and those headers are ignored.
    TRUSTED_PROXIES = 0
    # Saved-household writes (entries, token, delete) per client, and creations per client.
    HOUSEHOLD_WRITE_RATE_LIMIT = "300 per hour"
    HOUSEHOLD_CREATE_RATE_LIMIT = "10 per hour"
    # Most saved households the whole store keeps; creating more answers 503.
    HOUSEHOLD_STORE_LIMIT = 100_000
    # Days a saved household may stay unused before `flask households purge` deletes it.
    HOUSEHOLD_RETENTION_DAYS = 400
    # Most purchase lines accepted by one POST /v1/household/estimate.
    HOUSEHOLD_PURCHASE_LIMIT = 2000
    # Most entries (purchases and bills) one saved household may keep.
    HOUSEHOLD_ENTRY_LIMIT = 5000
    # SQLite page cache of an import, in MiB: keeps a large import's index pages in memory.
    IMPORT_CACHE_MB = 64
    # Memory map (MiB) through which lookups read the database; 0 turns it off.
    READ_MMAP_MB = 1024
    # How long a saved-household write waits for another write before a 503, in ms.
    HOUSEHOLD_WRITE_TIMEOUT_MS = 3000
    # How long an ingest API write waits for another write (e.g. an import) before a 503, in ms.
    ADMIN_WRITE_TIMEOUT_MS = 10000
    # PACT v3: lifetime of a bearer token from /auth/token, in seconds.
    PACT_TOKEN_TTL = 3600
    # PACT v3: who may receive answers to RequestCreatedEvents, as a JSON object mapping each
    # allowed base URL to {"client_id", "client_secret"} for <url>/auth/token. No other
    # event source is ever called.
    PACT_EVENT_RECIPIENTS: dict = {}
    # PACT v3: attempts to deliver one answer before it is marked failed.
    PACT_EVENT_MAX_ATTEMPTS = 8
    # PACT v3: wait before the first retry, in seconds; doubles with each further attempt.
    PACT_EVENT_RETRY_SECONDS = 2.0
    # PACT v3: timeout of each HTTP request to a recipient, in seconds.
    PACT_EVENT_TIMEOUT = 10.0
    # PACT v3: how often a served worker looks for due answers, in seconds.
    PACT_EVENT_POLL_SECONDS = 1.0
    # PACT v3: served workers run a thread that sends queued answers.
    PACT_DELIVERY_THREAD = True

    # flask-smorest / OpenAPI
    # ASCII: generators derive the client's package name from it (pip refuses "碳迹").
    API_TITLE = "Tanji API"
    API_VERSION = "1.0.0"
    # 3.1: a nullable object is anyOf [$ref, null], which generators type as Model | None.
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI from the app's own /vendor/ route (node_modules, installed by `make setup`).
    OPENAPI_SWAGGER_UI_URL = "/vendor/swagger-ui-dist/"
    # No validator badge: Swagger UI would send the spec to validator.swagger.io.
    OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "Tanji (碳迹): certified product carbon-footprint (PCF) lookups for labels under GB/T 24067-2024 / "
                "ISO 14067, with provenance on every figure. Sample data is fictional and says so."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        # Saved households (/v1/households/{id}/...) take their token as a bearer credential.
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }

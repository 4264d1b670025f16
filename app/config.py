"""Configuration defaults. Every key can be overridden by an environment variable TANJI_<KEY>."""


class Config:
    # Path of the SQLite database; None means <instance folder>/tanji.db.
    DATABASE = None
    # Create the schema and seed the sample catalogue when the database is empty.
    SEED_ON_FIRST_RUN = True
    # Public base URL of this service; Tanji label QR codes are <PUBLIC_BASE_URL>/c/<certificate number>.
    PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    # Pin "today" (YYYY-MM-DD) for certificate validity; None means the real date (UTC+8).
    TODAY = None
    # Cache-Control max-age, in seconds, of GET lookups.
    CACHE_MAX_AGE = 60
    # Most scanned texts accepted by one POST /v1/resolve.
    RESOLVE_BATCH_LIMIT = 100
    # How many rendered lookup responses each worker keeps in memory.
    RESPONSE_CACHE_SIZE = 20000
    # SQLite page cache of an import, in MiB: keeps a large import's index pages in memory.
    IMPORT_CACHE_MB = 64
    # How long an ingest API write waits for another write (e.g. an import) before a 503, in ms.
    ADMIN_WRITE_TIMEOUT_MS = 10000

    # flask-smorest / OpenAPI
    API_TITLE = "Tanji 碳迹 API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "Certified product carbon-footprint (PCF) lookups for labels under GB/T 24067-2024 / "
                "ISO 14067, with provenance on every figure. Sample data is fictional and says so."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
    }
    JSON_SORT_KEYS = False

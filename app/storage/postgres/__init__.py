"""PostgreSQL storage (TANJI_DATABASE_URL=postgresql://...): a connection pool per process,
the schema as its own migration history, and the stores the core's protocols are given.
Statements the engines share live with the SQLite stores in app/storage and run here through
PgDatabase, which speaks their ``?`` parameters."""

"""Browser-facing pieces: CORS for embedding lookups, label pages."""

"""These tests run on both storage engines (tests/engines.py)."""

from tests.engines import engine  # noqa: F401

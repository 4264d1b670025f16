"""Request and response contracts (marshmallow), one module per route module."""

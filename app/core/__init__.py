"""Tanji's domain: plain Python that knows nothing of Flask, marshmallow or SQL."""

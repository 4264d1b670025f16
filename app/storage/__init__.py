"""Storage: sqlite-utils only. Repositories here speak the domain's types."""

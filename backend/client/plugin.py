"""TestAble pytest plugin (filled by the caching-client work)."""

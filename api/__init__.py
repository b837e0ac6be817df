"""The HTTP API (FastAPI): a thin shell over the services in ``dispatch``."""

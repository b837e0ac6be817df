"""The FastAPI app (filled by the service issues)."""

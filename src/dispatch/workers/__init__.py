"""Celery workers: long jobs (planning) run in other processes when a broker is set."""

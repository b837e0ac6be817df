"""Idempotency keys with Stripe's semantics for retried POST requests."""

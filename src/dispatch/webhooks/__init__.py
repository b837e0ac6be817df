"""Signed, retried webhook deliveries of outbox events to registered endpoints."""

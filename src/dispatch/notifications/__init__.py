"""Customer notifications rendered from outbox events and sent through a channel."""

"""The transactional outbox: state changes written as events in the same transaction."""

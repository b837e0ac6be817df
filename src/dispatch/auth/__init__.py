"""Users, roles and bearer tokens."""

"""Planning: when to gather ready work into a wave and which of it can still be served."""

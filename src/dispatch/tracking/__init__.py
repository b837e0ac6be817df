"""Tracking: pure rules for accepting driver position pings and choosing the current one."""

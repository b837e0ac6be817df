"""Helpers shared by test packages (local stand-ins for outside services)."""

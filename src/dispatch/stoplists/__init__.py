"""Committed routes as drivers see them: ordered stop lists, stop events and proof."""

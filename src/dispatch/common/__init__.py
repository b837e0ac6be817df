"""Pieces every service domain shares (read schemas, paging)."""

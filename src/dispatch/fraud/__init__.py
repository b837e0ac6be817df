"""Fraud screening at order placement: rule signals, an anomaly model and one score."""

"""dispatch: delivery routing and dispatch engine."""

__version__ = "0.1.0"

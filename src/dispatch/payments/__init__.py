"""Payments: money, the payment state machine and the provider seam.

Pure rules live in ``domain``; ``providers`` holds the interface a gateway implements
plus the cash-on-delivery and sandbox test implementations.
"""

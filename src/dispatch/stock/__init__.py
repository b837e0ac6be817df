"""Stock: pure rules for warehouse levels, the movement ledger and choosing a warehouse.

Kept free of the database and the web layer so the arithmetic that guards against
overselling can be tested on its own and reused by every caller.
"""

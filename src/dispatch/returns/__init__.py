"""Returns: taking delivered goods back, refunding or exchanging them."""

"""Orders: the order lifecycle and the rules that guard it."""

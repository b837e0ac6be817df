"""The demo operation `make run` serves: a Monaco grocer with two warehouses."""

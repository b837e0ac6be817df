"""The demo operation `make run` serves: the restaurant-lunch scenario, in progress now."""

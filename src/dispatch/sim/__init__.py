"""The day simulator: a scenario's day run through the real service layer."""

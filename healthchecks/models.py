"""Models of the healthchecks app."""

"""cloud layer."""

"""retention: built by a later issue."""

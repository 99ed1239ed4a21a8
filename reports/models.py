"""reports: built by a later issue."""

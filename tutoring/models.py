"""tutoring: built by a later issue."""

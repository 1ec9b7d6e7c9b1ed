"""The supervisors' board and statistics."""

"""Contacts before cases: calls and their IVR steps, conversations, the lines and who is on duty."""

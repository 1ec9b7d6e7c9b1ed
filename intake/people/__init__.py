"""People: users, sessions, API tokens, and who may do what."""

"""Where a case goes: gazetteer, free-text location finder, team directory, routing rules."""

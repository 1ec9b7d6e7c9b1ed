"""Server-rendered page helpers shared by every front door: templates, language."""

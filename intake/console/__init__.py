"""The operators' console (server-rendered pages)."""

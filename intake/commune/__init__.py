"""Commune officers' mobile pages."""

"""The JSON API: partner reports, cases, health."""

"""People and the access policy: who may see and do what, and the audit of every refusal."""

"""workflows: the domain, one folder per part of it (docs/layout.md): the case, access, clocks, the team,
escalation, contacts, casework, answers from the field and supervision; jobs.py holds the RQ entry points."""

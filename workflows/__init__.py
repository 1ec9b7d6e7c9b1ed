"""workflows: the case state machine, SLA policy and timers, escalation, the service layer."""

"""The SLA policy as data and its reader, Vietnam's working calendar, and the timers every deadline is."""

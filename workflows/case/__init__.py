"""The case itself: what is stored (tickets, cases, history, timers, forms), the workflow table, the facts each
step carries, Form 01 and the records kept with the case. Pure rules and rows; no service here."""

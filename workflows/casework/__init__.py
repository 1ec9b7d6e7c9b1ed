"""Every change to a case goes through here (the service layer), the audited reads, and the intake desk."""

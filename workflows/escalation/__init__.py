"""What a clock does when it falls due: reminders, breaches, and each clock's own ladder."""

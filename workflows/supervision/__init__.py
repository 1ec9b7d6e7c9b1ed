"""The supervisors' work: the live board, statistics, report periods and reminders, exports, take-over."""

"""Answers from the field: what an officer types on a basic phone, a keypress, a one-tap link, delivery
receipts, what happens when a message cannot reach its person, and sending the outbox."""

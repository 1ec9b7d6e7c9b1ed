"""notifier: message templates, the outbox, delivery through Twilio, receipts, retries."""

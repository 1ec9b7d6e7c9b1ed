"""Telephony front door: Twilio voice and message webhooks (TwiML built with the SDK)."""

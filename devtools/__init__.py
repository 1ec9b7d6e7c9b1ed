"""Not shipped: the demo, the Twilio stand-in, the benchmarks. Nothing in the product imports it."""

"""intake: the front doors (API, webhooks, forms), auth and the CLI."""

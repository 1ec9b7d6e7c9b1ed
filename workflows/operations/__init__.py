"""Running the line: what the processes report about themselves (the sweeper's rounds) and what
`/metrics` reads from the database at scrape time."""

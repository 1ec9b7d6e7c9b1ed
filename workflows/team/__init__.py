"""Who holds a case: asking routing, telling the team's current contact, the reply codes and links issued with
that SMS, handing on along the chain, and the operators' alerts when it runs out."""

"""Cases behind the numbers: the case browser and transcripts, a customer's timeline across channels, the opportunity queue."""

"""Alert subscriptions: evaluation on the latest day, their stored state, and delivery by e-mail, webhook or file."""

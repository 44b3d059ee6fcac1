"""Source formats: one module per export kind (TWCS tweets, calls, tickets, surveys, mapped CSV/SQL, identities), reading and validation, and the registry `socialcare load` dispatches to."""

-- Forget the opportunity flags of stored customer tweets (the rules changed).
update raw_twcs set opportunity = null where inbound

update raw_twcs set text = null where created_at < ? and text is not null;

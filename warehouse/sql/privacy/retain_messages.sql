-- Retention: raw texts older than the cutoff are emptied; sentiment and flags stay.
update messages set text = null where sent_at < ? and text is not null;

-- The raw texts of one batch of tweets (registered as `batch`), as the mojibake rule reads them.
select raw as text from batch

-- Set the language of stored tweets from temp table texts, taking back the sentiment where the
-- language is not English (VADER reads English only).
update raw_twcs set language = x.language,
    sentiment = case when x.language = 'en' then raw_twcs.sentiment end
from texts x
where raw_twcs.text = x.text and x.language is not null

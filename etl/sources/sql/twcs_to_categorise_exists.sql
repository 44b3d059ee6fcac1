-- Whether a stored customer tweet lacks a category or a resolution flag (before their distinct
-- texts are gathered: twcs_texts_to_categorise.sql).
select exists(
    select 1 from raw_twcs where inbound and (category is null or resolves is null)
)

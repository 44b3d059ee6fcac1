-- Quarantined raw rows that name the customer as a whole word (an id inside a longer number does
-- not count).
delete from quarantine
where exists (
    select 1 from erase_keys
    where regexp_matches(quarantine.raw, '(^|[^A-Za-z0-9_])' || regexp_escape(k) || '($|[^A-Za-z0-9_])')
);

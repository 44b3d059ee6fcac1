-- Handles a customer tweet may @mention beyond the authors of stored agent tweets: those
-- remembered from sources.brand_handles / --brand-handles, and the brands of other sources' social
-- cases (a one-word brand is a handle there too). Column `mention`, the handle as written.
select handle as mention from brand_handles
union
select distinct brand from interactions
where source <> 'twcs' and channel = 'social' and regexp_full_match(brand, '[A-Za-z0-9_]+')

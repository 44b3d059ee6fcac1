-- Twitter cases of one load (?): all of them and those without a brand.
select count(*), count(*) filter (where brand is null)
from interactions
where source = 'twcs' and load_id = ?

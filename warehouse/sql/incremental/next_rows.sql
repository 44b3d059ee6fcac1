-- The rows of temp table next_{model}, written back as the model's table.
select * from next_{model}

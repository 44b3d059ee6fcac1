-- Remember one brand handle (?1 handle, ?2 load id, ?3 the handle again) unless it is known in
-- any case.
insert into brand_handles
select ?, ?
where lower(?) not in (select lower(handle) from brand_handles)

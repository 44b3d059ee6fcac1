-- How many texts temp table texts holds (to enrich).
select count(*) from texts

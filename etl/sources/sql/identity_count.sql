-- How many identifier links are stored.
select count(*) from identities

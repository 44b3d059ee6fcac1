-- How many brand handles are remembered (sources.brand_handles, --brand-handles).
select count(*) from brand_handles

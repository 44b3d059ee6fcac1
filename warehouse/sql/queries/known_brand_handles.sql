-- The brand handles remembered from earlier loads (lower case).
select lower(handle) from brand_handles

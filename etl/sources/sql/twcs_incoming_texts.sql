-- The texts of the registered incoming tweets (to find what to mask).
select text from incoming

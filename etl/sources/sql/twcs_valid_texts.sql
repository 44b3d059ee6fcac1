-- The texts of the valid typed tweets (to find mojibake to repair).
select text from typed where reason is null

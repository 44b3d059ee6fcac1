-- Whether a file with this sha256 ($1) was loaded already (a repeated load is skipped).
select 1 from loads where sha256 = ? and status = 'loaded'

-- The models rebuilt in full during the connection's incremental build.
select name from full_rebuilt

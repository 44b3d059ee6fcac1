-- Every Twitter case rewritten (temp table roots), listed for the incremental model build
-- (warehouse/incremental.py reads temp table touched_cases).
create temp table if not exists touched_cases (interaction_id varchar);
insert into touched_cases select 'twcs:' || root_id from roots where tweet_id = root_id

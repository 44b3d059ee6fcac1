-- An empty case scope: inputs the touched cases' customers do not need (their messages).
create or replace temp table scope_none (interaction_id varchar)

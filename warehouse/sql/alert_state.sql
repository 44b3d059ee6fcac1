-- The state of each alert subscription per condition key and destination (socialcare alerts run):
-- firing or resolved, since when, and when it was last delivered, so nobody gets the same alert
-- twice and a cleared alert is announced once.
create table if not exists alert_state (
    alert         varchar not null,
    key           varchar not null,
    destination   varchar not null,
    status        varchar not null,
    since         timestamptz not null,
    delivered_at  timestamptz,
    detail        varchar
);

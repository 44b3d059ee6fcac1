-- Canonical tables: the contract between etl/ (writer) and the SQL models.
create table if not exists loads (
    load_id          varchar primary key,
    source           varchar not null,
    kind             varchar not null,
    path             varchar not null,
    sha256           varchar not null,
    started_at       timestamptz not null,
    finished_at      timestamptz,
    rows_read        bigint not null,
    rows_loaded      bigint not null,
    rows_quarantined bigint not null,
    status           varchar not null,
    message          varchar
);

create table if not exists quarantine (
    load_id varchar not null,
    path    varchar not null,
    line    bigint,
    raw     varchar,
    reason  varchar not null
);

create table if not exists interactions (
    interaction_id     varchar primary key,
    source             varchar not null,
    channel            varchar not null,
    platform           varchar,
    brand              varchar,
    customer_id        varchar,
    agent_id           varchar,
    issue_category     varchar,
    opened_at          timestamptz not null,
    first_customer_at  timestamptz,
    first_response_at  timestamptz,
    resolved_at        timestamptz,
    last_activity_at   timestamptz,
    status             varchar not null,
    handled_privately  boolean not null default false,
    transfers          integer not null default 0,
    handle_seconds     double,
    reopened           boolean not null default false,
    dq_flags           varchar,
    load_id            varchar not null
);

create table if not exists messages (
    message_id      varchar primary key,
    interaction_id  varchar not null,
    seq             integer not null,
    author_role     varchar not null,
    author_id       varchar,
    sent_at         timestamptz not null,
    text            varchar,
    sentiment       double,
    asks_private    boolean not null default false,
    is_runaround    boolean not null default false,
    load_id         varchar not null
);

create table if not exists surveys (
    survey_id        varchar primary key,
    interaction_id   varchar,
    customer_id      varchar,
    channel          varchar,
    brand            varchar,
    responded_at     timestamptz,
    csat             double,
    nps              double,
    would_recommend  boolean,
    verbatim         varchar,
    sentiment        double,
    load_id          varchar not null
);

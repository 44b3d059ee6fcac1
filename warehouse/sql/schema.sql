-- Canonical tables: the contract between etl/ (writer) and the SQL models.
-- interactions and messages have no PRIMARY KEY constraint on purpose: the writer merges by key
-- (etl/load.py, later record wins) and tests/test_models.py checks uniqueness; an index on
-- millions of string keys would cost more than the whole rest of a bulk load.
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
    interaction_id     varchar not null,
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
    message_id      varchar not null,
    interaction_id  varchar not null,
    seq             integer not null,
    author_role     varchar not null,
    author_id       varchar,
    sent_at         timestamptz not null,
    text            varchar using compression zstd,
    sentiment       double,
    asks_private    boolean not null default false,
    is_runaround    boolean not null default false,
    load_id         varchar not null
);
-- ISO 639-1 language of a message text (etl/text/language.py), NULL when undetermined or not detected
alter table messages add column if not exists language varchar;
-- [opportunities] kinds a customer message matches (competitor, purchase_intent, stock_out)
alter table messages add column if not exists opportunity varchar;

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

-- Per message of a mapped `messages` export (etl/sources/mapped_store.py): the fields its case is derived
-- from that `messages` does not keep, so that a later, overlapping file rebuilds each case it
-- touches from every stored message.
create table if not exists mapped_messages (
    message_id      varchar not null,
    source          varchar not null,
    channel         varchar,
    platform        varchar,
    brand           varchar,
    issue_category  varchar,
    resolves        boolean,
    load_id         varchar not null
);
-- the case's creation time in the source tool, when the export has one (mapping field created_at)
alter table mapped_messages add column if not exists created_at timestamptz;

-- Every stored tweet with its masked text and enrichment (etl/sources/twcs_store.py); Twitter cases and
-- messages are derived from it after each load. Texts that dashboards do not search are stored
-- with zstd compression (much cheaper to write than the default dictionary + FSST).
create table if not exists raw_twcs (
    tweet_id        bigint not null,
    author_id       varchar,
    inbound         boolean,
    created_at      timestamptz,
    text            varchar using compression zstd,
    in_response_to  bigint,
    sentiment       double,
    signature       varchar,
    asks_private    boolean,
    is_runaround    boolean,
    load_id         varchar
);
alter table raw_twcs add column if not exists resolves boolean;
alter table raw_twcs add column if not exists category varchar;
-- ISO 639-1 language of the text (etl/text/language.py), NULL when undetermined (too short, unknown)
alter table raw_twcs add column if not exists language varchar;
-- [opportunities] kinds a customer tweet matches (etl/text/opportunities.py), comma-joined; NULL if none
alter table raw_twcs add column if not exists opportunity varchar;

-- The case (root tweet) and position of every stored tweet that is in one, as of the last load.
create table if not exists twcs_threads (
    tweet_id  bigint not null,
    root_id   bigint not null,
    seq       integer not null
);

-- Brand handles customers @mention, given in sources.brand_handles or with --brand-handles:
-- remembered, so that every later rebuild of the Twitter cases still knows them.
create table if not exists brand_handles (handle varchar primary key, load_id varchar not null);

create table if not exists etl_state (key varchar primary key, value varchar);
-- The team that handled a case (mapped sources may map it; NULL otherwise): a slice and a
-- target scope ([targets.<kpi>.team.<name>]).
alter table interactions add column if not exists team varchar;

-- Links of one customer's identifiers across channels (etl/sources/identities.py, `socialcare load
-- identities`): kind handle (lower-cased, no @), email and phone (short sha1 hashes, as the ticket
-- loader stores e-mails; phones as digits only) or crm (as given); each customer key also links to
-- itself as a crm id. One customer key per (kind, value): a conflicting link is refused at load.
create table if not exists identities (
    kind          varchar not null,
    value         varchar not null,
    customer_key  varchar not null,
    path          varchar not null,
    line          bigint,
    load_id       varchar not null
);

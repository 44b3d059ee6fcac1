"""SQL that turns stored tweets (raw_twcs) and their case roots (temp table roots) into cases.

The rules are those of docs/contracts.md and README "Twitter (TWCS) case rules"; the queries are
in sql/twcs_cases.sql, sql/twcs_messages.sql and sql/twcs_mention_handles.sql.
"""

from etl.sql_files import sql_file

# Order "first"/"last" by (created_at, tweet_id) through one HUGEINT key (faster than a struct).
# An expression, not a query: warehouse/spark/twcs.py replaces it by a struct.
_ORDER_KEY = (
    "epoch_us(t.created_at)::hugeint * 18446744073709551616 "
    "+ (t.tweet_id::hugeint + 9223372036854775808)"
)

# Handles a customer tweet may @mention beyond the authors of stored agent tweets: those
# remembered from sources.brand_handles / --brand-handles, and the brands of other sources' social
# cases (a one-word brand is a handle there too). Column `mention`, the handle as written.
MENTION_HANDLES_SQL = sql_file(__package__, "twcs_mention_handles")

# Composition of static text only: the ordering key above and the handles query.
CASES_SQL = sql_file(__package__, "twcs_cases").format(
    order_key=_ORDER_KEY, mention_handles=MENTION_HANDLES_SQL
)

MESSAGES_SQL = sql_file(__package__, "twcs_messages")

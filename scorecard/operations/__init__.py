"""Operations now: the backlog, staffing coverage by hour of week, data health and freshness."""

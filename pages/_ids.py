"""Component ids shared by pages and tests (one prefix per page)."""


def export_button(page: str, table: str, fmt: str) -> dict:
    """Pattern-matching id of one export button."""
    return {"type": "export", "page": page, "table": table, "fmt": fmt}


def download(page: str) -> str:
    """The page's dcc.Download."""
    return f"{page}-download"


def export_error(page: str) -> str:
    """Where a page says why an export could not be made."""
    return f"{page}-export-error"


def url(page: str) -> str:
    """The page's own dcc.Location (refresh=False): filters are written to its search."""
    return f"{page}-url"


# app shell
FRESHNESS = "freshness-badge"
FRESHNESS_TICK = "freshness-tick"

# / daily scorecard
SC_DATE = "sc-date"
SC_BRAND = "sc-brand"
SC_CHANNEL = "sc-channel"
SC_TILES = "sc-tiles"
SC_TREND = "sc-trend"
SC_TREND_KPI = "sc-trend-kpi"
SC_TREND_EXPORT = "sc-trend-export"
SC_TILES_EXPORT = "sc-tiles-export"
SC_NOTE = "sc-note"

# /economics
EC_RANGE = "ec-range"
EC_BRAND = "ec-brand"
EC_SHIFT = "ec-shift"
EC_COST = "ec-cost"
EC_VOLUME = "ec-volume"
EC_FOREST = "ec-forest"
EC_MATRIX = "ec-matrix"
EC_WHATIF = "ec-whatif"
EC_WHATIF_TEXT = "ec-whatif-text"
EC_NOTES = "ec-notes"
EC_TABLE = "ec-table"
EC_ADJUSTED = "ec-adjusted"

# /trends
TR_KPI = "tr-kpi"
TR_GRAIN = "tr-grain"
TR_BY = "tr-by"
TR_RANGE = "tr-range"
TR_BRAND = "tr-brand"
TR_CHANNEL = "tr-channel"
TR_SENSITIVITY = "tr-sensitivity"
TR_CHART = "tr-chart"
TR_ANOMALIES = "tr-anomalies"
TR_SCAN = "tr-scan"
TR_SCAN_BUTTON = "tr-scan-button"

# /rootcause
RC_KPI = "rc-kpi"
RC_PERIOD = "rc-period"
RC_VS = "rc-vs"
RC_BY = "rc-by"
RC_BRAND = "rc-brand"
RC_CHANNEL = "rc-channel"
RC_SUMMARY = "rc-summary"
RC_CHART = "rc-chart"
RC_SEGMENTS = "rc-segments"
RC_DRIVERS = "rc-drivers"
RC_CASES = "rc-cases"
RC_CASES_TABLE = "rc-cases-table"
RC_TRANSCRIPT = "rc-transcript"

# /conversations
CV_RANGE = "cv-range"
CV_CHANNEL = "cv-channel"
CV_BRAND = "cv-brand"
CV_CATEGORY = "cv-category"
CV_STATUS = "cv-status"
CV_FLAGS = "cv-flags"
CV_SEARCH = "cv-search"
CV_LANGUAGE = "cv-language"
CV_TABLE = "cv-table"
CV_COUNT = "cv-count"
CV_CASE = "cv-case"
CV_TRANSCRIPT = "cv-transcript"

# /health
HE_LOADS = "he-loads"
HE_QUARANTINE = "he-quarantine-chart"
HE_FRESHNESS = "he-freshness"
HE_CONFIG = "he-config"
HE_TARGETS = "he-targets"

# /customer
CU_SEARCH = "cu-search"
CU_SUMMARY = "cu-summary"
CU_TABLE = "cu-table"
CU_CHART = "cu-chart"
CU_CASE = "cu-case"
CU_TRANSCRIPT = "cu-transcript"

"""Component ids shared by pages and tests."""

SC_DATE = "sc-date"
SC_BRAND = "sc-brand"
SC_CHANNEL = "sc-channel"
SC_TILES = "sc-tiles"
SC_TREND = "sc-trend"
SC_TREND_KPI = "sc-trend-kpi"
SC_NOTE = "sc-note"

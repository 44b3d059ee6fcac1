"""Printable reports: the daily morning review and the steering committee's business case.

Each report is a frozen results object built by one function (`daily_report`,
`business_case`), rendered to self-contained HTML (charts as inline SVG, no network) by a
template in scorecard/templates/, and to PDF by WeasyPrint (`write_report`)."""

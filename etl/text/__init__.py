"""Text enrichment at load: PII masking, mojibake repair, sentiment, language, issue categories and flags, applied in DuckDB where possible."""

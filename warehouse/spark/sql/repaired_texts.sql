-- The repaired texts, as the PII masking rule reads them.
select repaired_text as text from inc

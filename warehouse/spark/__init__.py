"""The warehouse built on Spark (optional extra `socialcare[spark]`), served by DuckDB.

`build_lake` (build.py) reads sources with Spark, enriches text with the etl/ functions inside
`mapInPandas`, reconstructs Twitter threads by pointer jumping, runs the SQL models translated
from their DuckDB dialect (translate.py) and writes a day-partitioned Parquet snapshot published
by an atomic pointer swap (lake.py). `publish_from_lake` (publish.py, DuckDB only, no pyspark)
makes the DuckDB warehouse the dashboard and CLI read. Nothing here is imported at package
import, so the DuckDB-only install never needs pyspark.
"""

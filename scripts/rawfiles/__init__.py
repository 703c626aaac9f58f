"""Reading raw files for the loader (scripts/load_raw.py), one job per module:

scan      the independent count of a CSV file's lines and records, and the byte-level repairs
headers   matching a file's column headers to the contract (normalised names, CRM spellings, map file)
csvfile   loading one CSV with DuckDB's reject machinery and proving every line is accounted for
parquet   checking a Parquet file's column types against the contract
paths     finding the file of each contract table, refusing links that leave the raw directory
bench     timing the loader on a raw directory (python -m scripts.rawfiles.bench)
"""

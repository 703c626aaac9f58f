"""Apache Spark helpers: the local session dbt-spark uses (profiles.yml) and the raw loader for Spark."""

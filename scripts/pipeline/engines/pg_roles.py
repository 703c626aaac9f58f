"""Create (or update) the read-only role BI tools use on PostgreSQL: it can read the serving schema only.

    SALES_KPIS_PG_READER_PASSWORD=... python -m scripts.pipeline.engines.pg_roles [--role sales_kpis_reader]

Run it as the pipeline's user (the owner of the serving schema), with the SALES_KPIS_PG_* connection
variables. The role may log in, gets CONNECT on the database, USAGE on the serving schema and SELECT on
its tables, nothing else (no CREATE anywhere, no access to raw, staging, marts or the archived versions).
Grants in PostgreSQL are per schema and per table, and every publish serves a new schema with new tables:
so the pipeline grants USAGE and SELECT on each new version before it swaps it in, and revokes USAGE on
the version it archives (engines/postgres.py). A role created after a publish gets its grants here, on
the version served now. Default privileges are not used: they apply to tables created later in a schema,
and the serving schema never gets new tables, it is replaced.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import psycopg
from psycopg import sql

from scripts.pipeline.engines.base import EngineError
from scripts.pipeline.engines.postgres import PostgresEngine, _identifier

log = logging.getLogger("pipeline.postgres.roles")
PASSWORD_ENV = "SALES_KPIS_PG_READER_PASSWORD"


def ensure_reader_role(engine: PostgresEngine, password: str | None) -> list[str]:
    """Create or update the reader role and grant it the served version; returns what was done."""
    done = []
    role = sql.Identifier(engine.reader_role)
    with engine.connect() as con:
        exists = con.execute("select 1 from pg_roles where rolname = %s", [engine.reader_role]).fetchone()
        verb = "alter" if exists else "create"
        con.execute(
            sql.SQL("{} role {} with login nosuperuser nocreatedb nocreaterole noinherit").format(
                sql.SQL(verb), role
            )
        )
        done.append(f"{verb} role {engine.reader_role}")
        if password:
            con.execute(sql.SQL("alter role {} with password {}").format(role, sql.Literal(password)))
            done.append("password set")
        dbname = con.execute("select current_database()").fetchone()[0]
        con.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), role))
        # nothing in public either (PostgreSQL 15 no longer lets every role create there)
        con.execute(sql.SQL("revoke create on schema public from {}").format(role))
        if engine._schema_exists(con, engine.serving):
            engine._grant(con, engine.serving)
            done.append(f"usage and select on schema {engine.serving}")
        else:
            done.append(f"schema {engine.serving} not published yet: the first publish grants it")
        con.commit()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.pipeline.engines.pg_roles",
        description="Create or update the read-only PostgreSQL role of BI tools (serving schema only).",
        epilog=f"The password, if any, comes from ${PASSWORD_ENV} (never from the command line).",
    )
    parser.add_argument("--role", help="role name (default: $SALES_KPIS_PG_READER_ROLE or sales_kpis_reader)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        if args.role:
            os.environ["SALES_KPIS_PG_READER_ROLE"] = _identifier(args.role, "role name")
        engine = PostgresEngine.from_env()
        for line in ensure_reader_role(engine, os.environ.get(PASSWORD_ENV)):
            log.info("%s", line)
    except (EngineError, psycopg.Error) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

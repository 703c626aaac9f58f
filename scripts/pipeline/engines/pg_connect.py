"""PostgreSQL connection settings from the environment, the same variables profiles.yml reads.

SALES_KPIS_PG_HOST, _PORT, _USER, _PASSWORD, _DBNAME (defaults: 127.0.0.1, 5432, postgres, none,
sales_kpis). Nothing else configures the connection, and nothing is logged but host, port and database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg

ENV_PREFIX = "SALES_KPIS_PG_"


@dataclass(frozen=True)
class PgSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str | None = None
    dbname: str = "sales_kpis"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PgSettings:
        env = os.environ if environ is None else environ
        port = env.get(ENV_PREFIX + "PORT", "5432")
        if not port.isdigit():
            raise ValueError(f"{ENV_PREFIX}PORT is not a port number: {port!r}")
        return cls(
            host=env.get(ENV_PREFIX + "HOST", cls.host),
            port=int(port),
            user=env.get(ENV_PREFIX + "USER", cls.user),
            password=env.get(ENV_PREFIX + "PASSWORD") or None,
            dbname=env.get(ENV_PREFIX + "DBNAME", cls.dbname),
        )

    def conninfo(self) -> str:
        """A libpq connection string (values quoted by psycopg)."""
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            connect_timeout=10,
            application_name="sales_kpis_pipeline",
        )

    def describe(self) -> str:
        return f"postgresql://{self.host}:{self.port}/{self.dbname}"

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(), autocommit=autocommit)

"""The catalogue's reads: products, certificates, bodies, factors and releases. The statements
are shared by both engines (CatalogueReads); how each learns that the release moved is its
own (SqliteCatalogue here, PgCatalogue in app/storage/postgres/catalogue.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from app.core.benchmark import BenchmarkGroup
from app.core.factors import Factor, FactorQuery
from app.core.footprints import (
    CatalogueStats,
    Category,
    Certificate,
    CertificateHistory,
    CertificateRevision,
    CertificationBody,
    Product,
    Quantity,
    StatusRecord,
    Text,
)
from app.storage.rows import certificate_of_row

_CHUNK = 500  # SQLite's host-parameter limit is far above this; keeps IN (...) lists modest


class Maps:
    """Categories and bodies: few and rarely changed, so kept in memory for one release (per
    connection on SQLite, per process on PostgreSQL, whose catalogues live one request)."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] | None = None
        self.bodies: dict[str, CertificationBody] | None = None
        self.release: int | None = None


class CatalogueReads:
    """Reads the catalogue; implements the core's Catalogue and FactorStore protocols on
    either engine's database. Subclasses say how release_id() stays fresh."""

    def __init__(self, db, maps: Maps | None = None) -> None:
        self.db = db
        self._maps = maps if maps is not None else Maps()

    def release_id(self) -> int:
        raise NotImplementedError

    def _read_release_id(self) -> int:
        return self.db.execute("select max(id) from releases").fetchone()[0] or 0

    def _refresh_maps(self) -> None:
        release = self.release_id()
        maps = self._maps
        if release != maps.release:
            maps.categories = maps.bodies = None
            maps.release = release

    # -- products and certificates -------------------------------------------------------
    def products(self, gtins: Iterable[str]) -> dict[str, Product]:
        """Products by GTIN-14, in one query per 500 GTINs; unknown GTINs are absent."""
        self._refresh_maps()
        found: dict[str, Product] = {}
        for chunk in _chunks(list(dict.fromkeys(gtins))):
            sql = f"select * from products where gtin in ({','.join('?' * len(chunk))})"
            for row in self.db.query(sql, chunk):
                found[row["gtin"]] = self._product(row)
        return found

    def certificates_for(self, gtins: Iterable[str]) -> dict[str, list[Certificate]]:
        """Every certificate of each product, in one query per 500 GTINs."""
        self._refresh_maps()
        found: dict[str, list[Certificate]] = {}
        for chunk in _chunks(list(dict.fromkeys(gtins))):
            sql = f"select * from certificates where gtin in ({','.join('?' * len(chunk))})"
            for row in self.db.query(sql, chunk):
                found.setdefault(row["gtin"], []).append(self._certificate(row))
        return found

    def certificate(self, number: str) -> Certificate | None:
        self._refresh_maps()
        rows = list(self.db.query("select * from certificates where number = ?", [number]))
        return self._certificate(rows[0]) if rows else None

    def certificate_history(self, number: str) -> CertificateHistory:
        """Earlier revisions (newest first) and status events (oldest first) of a certificate."""
        sql = "select revision from certificates where number = ?"
        current = self.db.execute(sql, [number]).fetchone()
        revisions = tuple(
            CertificateRevision(
                revision=r["revision"],
                superseded_in_release=r["superseded_in_release"],
                superseded_at=r["superseded_at"],
                certificate=self._certificate({**json.loads(r["data"]), "number": number}),
            )
            for r in self.db.query(
                "select * from certificate_revisions where number = ? order by revision desc",
                [number],
            )
        )
        events = tuple(
            StatusRecord(
                from_status=r["from_status"],
                to_status=r["to_status"],
                effective_on=_date(r["effective_on"]),
                reason=r["reason"],
                release=r["release_id"],
                recorded_at=r["recorded_at"],
            )
            for r in self.db.query(
                "select * from certificate_status_events where number = ? order by id", [number]
            )
        )
        revision = (current[0] if current else None) or 1
        return CertificateHistory(revision=revision, revisions=revisions, status_events=events)

    def benchmark_group(
        self, category: str, declared_unit: str, system_boundary: str
    ) -> BenchmarkGroup | None:
        """The current release's benchmark of this group (None if it had too few peers)."""
        row = self.db.execute(
            "select category, declared_unit, system_boundary, as_of, peers, median, points "
            "from category_benchmarks "
            "where release_id = (select max(id) from releases) "
            "and category = ? and declared_unit = ? and system_boundary = ?",
            [category, declared_unit, system_boundary],
        ).fetchone()
        return _benchmark_group(tuple(row)) if row is not None else None

    # -- factors -----------------------------------------------------------------------
    def factors(self, query: FactorQuery) -> list[Factor]:
        where, params = [], []
        for column, value in (
            ("category", query.category),
            ("region", query.region),
            ("year", query.year),
            ("basis", query.basis),
            ("boundary", query.boundary),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "select * from factors"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by category, region, year, id"
        return [factor_from_row(row) for row in self.db.query(sql, params)]

    def factor(self, factor_id: str) -> Factor | None:
        rows = list(self.db.query("select * from factors where id = ?", [factor_id]))
        return factor_from_row(rows[0]) if rows else None

    # -- releases ----------------------------------------------------------------------
    def stats(self) -> CatalogueStats:
        release = next(iter(self.db.query("select * from releases order by id desc limit 1")), None)

        def count(table: str) -> int:
            # Every release records its row counts as it commits; counting a table of a million
            # certificates on each health check would cost more than the check is worth.
            if release and release.get(table) is not None:
                return release[table]
            return self.db.execute(f'select count(*) from "{table}"').fetchone()[0]

        return CatalogueStats(
            release=release["id"] if release else 0,
            release_created_at=release["created_at"] if release else None,
            version=release["version"] if release else None,
            products=count("products"),
            certificates=count("certificates"),
            factors=count("factors"),
            sample=bool(release["sample"]) if release else False,
            source=release.get("source") if release else None,
            content_hash=release.get("content_hash") if release else None,
            release_rows={
                k: release[k]
                for k in ("row_count", "inserted", "revised", "status_changes", "unchanged")
                if release and release.get(k) is not None
            },
        )

    # -- row -> domain -----------------------------------------------------------------
    def _category_map(self) -> dict[str, Category]:
        maps = self._maps
        if maps.categories is None:
            maps.categories = {
                r["id"]: Category(r["id"], Text(r["name_zh"], r["name_en"]), bool(r["pilot"]))
                for r in self.db.query("select * from categories")
            }
        return maps.categories

    def _body_map(self) -> dict[str, CertificationBody]:
        maps = self._maps
        if maps.bodies is None:
            maps.bodies = {
                r["id"]: CertificationBody(
                    r["id"], Text(r["name_zh"], r["name_en"]), bool(r["sample"])
                )
                for r in self.db.query("select * from certification_bodies")
            }
        return maps.bodies

    def _product(self, row: dict) -> Product:
        categories = self._category_map()
        category = categories.get(row["category"]) or Category(
            row["category"], Text(row["category"], row["category"]), False
        )
        net = None
        if row["net_content_amount"] is not None:
            net = Quantity(Decimal(row["net_content_amount"]), row["net_content_unit"])
        return Product(
            gtin=row["gtin"],
            name=Text(row["name_zh"], row["name_en"] or ""),
            brand=row["brand"] or "",
            category=category,
            sales_unit=Quantity(
                Decimal(row["sales_unit_amount"] or "1"), row["sales_unit"] or "item"
            ),
            net_content=net,
            sample=bool(row["sample"]),
        )

    def _certificate(self, row: dict) -> Certificate:
        body = self._body_map().get(row["body_id"]) or CertificationBody(
            row["body_id"], Text(row["body_id"], row["body_id"]), False
        )
        return certificate_of_row(row, body)


class SqliteCatalogue(CatalogueReads):
    """The catalogue in SQLite, for one connection (kept per thread)."""

    def __init__(self, db) -> None:
        super().__init__(db)
        # The release number, and the (data_version, total_changes) it was read under.
        self._release: int = 0
        self._release_stamp: tuple[int, int] | None = None

    def release_id(self) -> int:
        """The current catalogue release number (0 before the first release).

        Every lookup asks, so the answer is kept until the database may have changed:
        ``PRAGMA data_version`` moves when another connection (thread or process) commits,
        ``total_changes`` when this one writes. Neither reads a table."""
        conn = self.db.conn
        if conn.in_transaction:  # may yet roll back: never keep what it shows
            return self._read_release_id()
        stamp = (conn.execute("pragma data_version").fetchone()[0], conn.total_changes)
        if stamp != self._release_stamp:
            self._release, self._release_stamp = self._read_release_id(), stamp
        return self._release


@lru_cache(maxsize=256)
def _benchmark_group(row: tuple) -> BenchmarkGroup:
    """Parsing up to 1001 decimals costs more than the rest of a lookup: parse each group once
    per worker (the key is the whole row, so a new release or database never hits a stale entry)."""
    return BenchmarkGroup(
        category=row[0],
        declared_unit=row[1],
        system_boundary=row[2],
        as_of=row[3],
        peers=row[4],
        median=Decimal(row[5]),
        points=tuple(Decimal(p) for p in json.loads(row[6])),
    )


def factor_from_row(row: dict) -> Factor:
    return Factor(
        id=row["id"],
        category=row["category"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        value=Decimal(row["value"]),
        unit=row["unit"],
        basis=row["basis"],
        boundary=row["boundary"],
        region=row["region"],
        year=row["year"],
        publisher=row["publisher"],
        source_title=row["source_title"],
        source_url=row["source_url"],
        published_on=row["published_on"],
        database=row["database"],
        version=row["version"],
        uncertainty_pct=_dec(row["uncertainty_pct"]),
        note=row["note"],
        sample=bool(row["sample"]),
    )


def _dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

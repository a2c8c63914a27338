"""Every step on the shared risk database in PostGIS: one store, two engines (docs/postgis.md §11).

A step given a PostGIS database runs the very code it runs on a GeoPackage, on a local
working copy (工作副本) of the shared database, and what it wrote goes back to the server in
one PostgreSQL transaction:

1. **Take** (:func:`checkout`). The working copy is a GeoPackage in a cache folder, one per
   database and schema (:func:`cache_folder`). It is brought up to the shared version table
   by table: a table is taken again only when it changed on the server since
   (``citysafety_layers.changed``) or when the copy changed it without pushing it (a refused
   push, a killed run: its ``gpkg_contents.last_change`` moved). The new tables come in under
   staged names and are swapped in within one SQLite transaction. A copy of another store
   (an export replaced the schema) is taken whole.
2. **Run.** The step runs on the working copy exactly as on a file, and writes only what it
   owns in its own SQLite transaction (store/tx.py).
3. **Push** (:func:`push`). The tables the step changed (their ``last_change`` moved, or new)
   and the ones it removed go back in one PostgreSQL transaction under the schema's exclusive
   advisory lock (a district publish holds it shared): each table is built under
   ``<name>__push``, swapped for the old one, given back its rights and row-level security;
   ``citysafety_layers`` records the order and the version each table changed at;
   ``citysafety_state`` advances. The shared version must still be the one the copy was
   taken at. When another writer committed in between — a district import — the push is
   refused (:class:`postgis.StaleShared`), and :func:`run` takes the copy again and runs the
   step again on the new state, at most :data:`RETRIES` times: the step's result always
   stands on the latest shared state, and nothing another writer committed is lost.

One process at a time uses a working copy (a lock file beside it; another waits).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import STANDS_FOR, StandsFor, publish, temp_path
from ..progress import Progress
from . import postgis, serial, tx
from .postgis import LAYERS_TABLE, STATE_TABLE, SharedState, StaleShared, _ident

#: Times a step runs again when another writer committed while it ran.
RETRIES = 3
#: Seconds between two looks at a working copy another process holds.
_WAIT_S = 0.2
PUSH_SUFFIX = "__push"


def cache_folder() -> Path:
    """Where working copies live: $CSRM_SHARED_CACHE, else the user's cache folder
    (%LOCALAPPDATA% on Windows, $XDG_CACHE_HOME or ~/.cache elsewhere)."""
    own = os.environ.get("CSRM_SHARED_CACHE")
    if own:
        return Path(own)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "city_safety_risk_map" / "shared"


@dataclass
class Session:
    """A working copy in sync with the shared state ``state``: each table's shared version and
    its ``last_change`` in the copy at that moment."""

    copy: Path
    schema: str
    state: SharedState
    versions: dict[str, int]
    stamps: dict[str, str]
    taken: list[str] = field(default_factory=list)  # the tables this checkout took from the server


@dataclass
class Pushed:
    """What a push wrote: the tables replaced and removed, rows written, the state after it."""

    changed: list[str]
    removed: list[str]
    rows: dict[str, int]
    state: SharedState
    unlogged: bool = False  # only the run log changed, and this role may not write it (a reader's report)


def _copy_path(pg, schema: str, folder: str | Path | None) -> Path:
    """The working copy of ``schema`` of the database ``pg`` is connected to, as this user."""
    dsn = pg.get_dsn_parameters()
    ident = "|".join(str(dsn.get(k, "")) for k in ("host", "port", "dbname", "user")) + "|" + schema
    return Path(folder or cache_folder()) / f"{hashlib.sha256(ident.encode('utf-8')).hexdigest()[:16]}.gpkg"


def stand_for(db: str | Path, target: str, schema: str, pg=None) -> None:
    """Record that the file ``db`` stands for ``schema`` of ``target`` (files.STANDS_FOR);
    ``pg``: a connection to it, if open."""
    con = pg or postgis.connect(target)
    try:
        dsn = con.get_dsn_parameters()
    finally:
        if pg is None:
            con.close()
    shown = f"PostGIS {dsn.get('dbname', '')}@{dsn.get('host', '')}:{dsn.get('port', '')} / {schema}"
    STANDS_FOR[str(Path(db))] = StandsFor(target, schema, shown)


@contextlib.contextmanager
def _held(lock_file: Path, p: Progress) -> Iterator[None]:
    """The working copy's lock, across processes (waits, cancellable, while another holds it)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                if sys.platform == "win32":
                    import msvcrt

                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                p.check()
                time.sleep(_WAIT_S)
        yield
    finally:
        os.close(fd)  # (closing releases the lock)


def _stamps(copy: Path) -> dict[str, str]:
    """Each table of the copy with its gpkg_contents.last_change."""
    from .read import connect_ro

    with serial.held(copy):
        con = connect_ro(copy)
        try:
            return {str(n): str(c or "") for n, c in con.execute("SELECT table_name, last_change FROM gpkg_contents")
                    if not str(n).startswith(tx.STAGE_PREFIX)}
        finally:
            con.close()


def _side(copy: Path) -> dict[str, Any]:
    try:
        return json.loads(copy.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_side(s: Session) -> None:
    side = s.copy.with_suffix(".json")
    tmp = side.with_name(f"{side.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps({"schema": s.schema, "store_id": s.state.store_id, "version": s.state.version,
                               "tables": s.versions, "stamps": s.stamps}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    os.replace(tmp, side)


def _open(pg, schema: str) -> tuple[SharedState, dict[str, int]]:
    with pg.cursor() as cur:
        return postgis.committed(cur, schema), postgis.layer_versions(cur, schema)


def exists(target: str, schema: str = postgis.DEFAULT_SCHEMA) -> bool:
    """Whether ``schema`` of ``target`` holds a shared risk database."""
    schema = postgis.check_schema(schema)
    pg = postgis.connect(target)
    try:
        with pg.cursor() as cur:
            return postgis._schema_kind(cur, schema) == "risk"
    finally:
        pg.close()


def checkout(target: str, schema: str = postgis.DEFAULT_SCHEMA, folder: str | Path | None = None,
             progress: Progress | None = None) -> Session:
    """The working copy of ``schema`` in ``target``, brought up to the shared version (the
    caller holds its lock: :func:`run`)."""
    p = progress or Progress()
    schema = postgis.check_schema(schema)
    pg = postgis.connect(target)
    try:
        pg.set_session(readonly=True, isolation_level="REPEATABLE READ")  # one snapshot for the whole take
        state, versions = _open(pg, schema)
        copy = _copy_path(pg, schema, folder)
        side = _side(copy)
        whole = not copy.is_file() or side.get("store_id") != state.store_id or side.get("schema") != schema
        if whole:
            _take_whole(pg, schema, list(versions), copy, p)
            taken = list(versions)
        else:
            stamps = _stamps(copy)
            had, had_stamps = side.get("tables", {}), side.get("stamps", {})
            taken = [t for t, v in versions.items()
                     if had.get(t) != v or t not in stamps or stamps.get(t) != had_stamps.get(t)]
            extra = [t for t in stamps if t not in versions]
            if taken or extra:
                _take_tables(pg, schema, taken, extra, copy, p)
        pg.rollback()
    finally:
        pg.close()
    s = Session(copy, schema, state, versions, _stamps(copy), taken)
    _write_side(s)
    return s


def _finish(con, names: list[str], step: str) -> None:
    """Aliases, attribute indexes and a new local state for the tables just taken (inside the
    caller's SQLite transaction); what the steps wrote before is the server's now."""
    from .riskdb import _write_aliases, now_iso

    tx.forget_written(con)
    _write_aliases(con, {n: list(tx.table_columns(con, n)) for n in names})
    tx.ensure_indexes(con)
    tx._set_state(con, tx.State(tx._state(con).version + 1, step, now_iso()))


def _take_whole(pg, schema: str, names: list[str], copy: Path, p: Progress) -> None:
    copy.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(copy)
    try:
        for i, name in enumerate(names):
            p.step(100.0 * i / max(len(names), 1), f"{schema}.{name} → 工作副本 working copy")
            postgis._import_table(pg, schema, name, tmp, p)
        con = tx.connect(tmp)
        try:
            with tx.immediate(con):
                _finish(con, names, "take_from_postgis")
        finally:
            con.close()
        with serial.held(copy):
            publish(tmp, copy)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _take_tables(pg, schema: str, names: list[str], extra: list[str], copy: Path, p: Progress) -> None:
    """The tables ``names`` taken again into the copy and ``extra`` dropped, in one transaction."""
    part = tx.values_file(copy)
    token = uuid.uuid4().hex[:8]
    staged = {n: tx.stage_name(token, n) for n in names}
    try:
        for i, name in enumerate(names):
            p.step(100.0 * i / max(len(names), 1), f"{schema}.{name} → 工作副本 working copy")
            postgis._import_table(pg, schema, name, part, p, dest=staged[name])
        with serial.held(copy):
            con = tx.connect(copy)
            try:
                if names:
                    con.execute("ATTACH DATABASE ? AS staged_values", (str(part),))
                with tx.immediate(con):
                    tx.drop_orphans(con)
                    for name in extra:
                        tx.drop_layer(con, name)
                    for name, st in staged.items():
                        tx.swap_in(con, "staged_values", st, name)
                    _finish(con, names, "take_from_postgis")
            finally:
                con.close()
    finally:
        part.unlink(missing_ok=True)


def changes(s: Session) -> tuple[list[str], list[str]]:
    """(tables the copy changed or added since ``s`` was taken, in the copy's order; tables it removed)."""
    from .riskdb import layer_names

    now = _stamps(s.copy)
    with serial.held(s.copy):
        order = layer_names(s.copy)
    changed = [t for t in order if t in now and now[t] != s.stamps.get(t)]
    removed = [t for t in s.versions if t not in now]
    return changed, removed


def push(s: Session, target: str, step: str, progress: Progress | None = None) -> Pushed | None:
    """The copy's changes since ``s`` into the shared database in one transaction (None when
    the step changed nothing). :class:`StaleShared` when the shared version moved meanwhile."""
    from .riskdb import RUNS_LAYER, layer_names, now_iso

    p = progress or Progress()
    changed, removed = changes(s)
    if not changed and not removed:
        return None
    if set(changed) == {RUNS_LAYER} and not removed and not _may_replace(target, s.schema, RUNS_LAYER):
        return Pushed([], [], {}, s.state, unlogged=True)  # the copy keeps it; the next take replaces it
    sch = _ident(s.schema)
    rows: dict[str, int] = {}
    with serial.held(s.copy), postgis._snapshot(s.copy, ()) as lite, postgis._transaction(target) as pg, \
            pg.cursor() as cur:
        order = layer_names(s.copy)
        postgis._lock(cur, s.schema)  # exclusive: district publishes and other steps wait
        now = postgis._shared_state(cur, s.schema)
        if now is None or now.store_id != s.state.store_id or now.version != s.state.version:
            seen = f"{now.step} at {now.committed}" if now else "the schema was removed"
            raise StaleShared(
                f"The shared risk database changed while {step} ran (version {s.state.version} then, "
                f"{now.version if now else '-'} now: {seen}); nothing of this run was written.",
                f"{step} 运行期间共享风险库已有改动（当时版本 {s.state.version}，现为 "
                f"{now.version if now else '-'}：{now.step + '，' + now.committed if now else '模式已删除'}），"
                "本次运行未写入任何内容。")
        new = SharedState(now.version + 1, step, now_iso(), now.store_id)
        secure: set[str] = set()
        notes = tx.written(lite)
        for i, name in enumerate(changed):
            p.step(100.0 * i / max(len(changed), 1), f"{name} → {s.schema}.{name}")
            cols = notes.get(name)
            if cols and postgis._exists(cur, f"{sch}.{_ident(name)}"):
                n = _push_columns(lite, cur, s.schema, name, cols, p)
                if n is not None:
                    rows[name] = n
                    continue
            if name == "units" and postgis._exists(cur, f"{sch}.hazards"):
                # the hazard sources' row-level policy reads units: it goes with them and comes back
                cur.execute(f"DROP POLICY IF EXISTS own_district ON {sch}.hazards")
                secure.add("hazards")
            staged = name + PUSH_SUFFIX
            cur.execute(f"DROP TABLE IF EXISTS {sch}.{_ident(staged)}")
            rows[name] = postgis._export_table(lite, cur, s.schema, name, p, dest=staged)
            cur.execute(f"DROP TABLE IF EXISTS {sch}.{_ident(name)}; "
                        f"ALTER TABLE {sch}.{_ident(staged)} RENAME TO {_ident(name)}")
            _rename_owned(cur, s.schema, name, staged)
            secure.add(name)
        for name in removed:
            cur.execute(f"DROP TABLE IF EXISTS {sch}.{_ident(name)}")
        p.check()
        postgis._secure(cur, s.schema, only=tuple(secure))
        if not postgis.has_versions(cur, s.schema):
            cur.execute(f"ALTER TABLE {sch}.{LAYERS_TABLE} ADD COLUMN changed integer")
        versions = {n: (new.version if n in changed else s.versions.get(n, now.version)) for n in order}
        cur.execute(f"DELETE FROM {sch}.{LAYERS_TABLE}")
        cur.executemany(f"INSERT INTO {sch}.{LAYERS_TABLE} (position, name, changed) VALUES (%s, %s, %s)",
                        [(i, n, v) for i, (n, v) in enumerate(versions.items())])
        cur.execute(f"UPDATE {sch}.{STATE_TABLE} SET version = %s, step = %s, committed = %s WHERE id = 1",
                    (new.version, new.step, new.committed))
        for name in changed:
            cur.execute(f"ANALYZE {sch}.{_ident(name)}")
    with serial.held(s.copy):  # what was written is on the server now
        con = tx.connect(s.copy)
        try:
            with tx.immediate(con):
                tx.forget_written(con)
        finally:
            con.close()
    s.state, s.versions, s.stamps = new, versions, _stamps(s.copy)
    _write_side(s)
    p.step(100.0)
    return Pushed(changed, removed, rows, new)


def _push_columns(lite, cur, schema: str, name: str, cols: set[str], p: Progress) -> int | None:
    """A step's own columns of ``name`` (its values by fid, columns added, retyped or cleared
    as in the copy) written into the shared table in place: the rest of the table, its rights
    and indexes stay. None, having changed nothing that stays, when the table's rows or
    columns do not match the copy's (the caller replaces the whole table then)."""
    table = f"{_ident(schema)}.{_ident(name)}"
    info = lite.execute(f"PRAGMA table_info({tx.quote(name)})").fetchall()
    mine = [(c, postgis.PG_TYPES.get(str(d).upper().split("(")[0].strip(), "text")) for _i, c, d, *_ in info]
    have = {c: f for c, f, _g in postgis._columns(cur, schema, name)}
    n, hi = lite.execute(f"SELECT count(*), max(fid) FROM {tx.quote(name)}").fetchone()
    cur.execute(f"SELECT count(*), max(fid) FROM {table}")
    if cur.fetchone() != (n, hi):
        return None
    types = dict(mine)
    gone = [c for c in have if c not in types or (c in cols and have[c] != types[c])]
    cur.execute("SAVEPOINT push_columns")
    for c in gone:
        cur.execute(f"ALTER TABLE {table} DROP COLUMN {_ident(c)}")
    for c, t in mine:
        if c not in have or c in gone:
            cur.execute(f"ALTER TABLE {table} ADD COLUMN {_ident(c)} {t}")
    if [c for c, _f, _g in postgis._columns(cur, schema, name)] != [c for c, _t in mine]:
        cur.execute("ROLLBACK TO SAVEPOINT push_columns")
        return None
    cur.execute("RELEASE SAVEPOINT push_columns")
    written = [c for c, _t in mine if c in cols]
    if not written:
        return n
    staged = _ident(f"push_{name}")
    listed = ", ".join(_ident(c) for c in written)
    cur.execute(f"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT fid, {listed} FROM {table} WITH NO DATA")
    postgis._copy_rows(lite, cur, staged, name, ["fid", *written], None, 0, "", p)
    cur.execute(f"UPDATE {table} AS t SET {', '.join(f'{_ident(c)} = s.{_ident(c)}' for c in written)} "
                f"FROM {staged} AS s WHERE t.fid = s.fid")
    cur.execute(f"DROP TABLE {staged}")
    return int(n)


def _may_replace(target: str, schema: str, table: str) -> bool:
    """Whether this role may replace ``table`` (a member of its owner)."""
    pg = postgis.connect(target)
    try:
        with pg.cursor() as cur:
            cur.execute("SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
                        "WHERE schemaname = %s AND tablename = %s", (schema, table))
            row = cur.fetchone()
            return bool(row and row[0])
    finally:
        pg.close()


def _rename_owned(cur, schema: str, name: str, staged: str) -> None:
    """The GiST index and the identity's sequence of a table pushed as ``staged`` named after ``name``."""
    sch = _ident(schema)
    cur.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s AND indexname LIKE %s",
                (schema, name, staged.replace("_", r"\_") + r"\_%"))
    for (index,) in cur.fetchall():
        cur.execute(f"ALTER INDEX {sch}.{_ident(index)} RENAME TO {_ident(name + index[len(staged):])}")
    cur.execute("SELECT pg_get_serial_sequence(%s, 'fid')", (f"{sch}.{_ident(name)}",))
    seq = cur.fetchone()
    if seq and seq[0] and PUSH_SUFFIX in seq[0]:
        cur.execute(f"ALTER SEQUENCE {seq[0]} RENAME TO {_ident(name + '_fid_seq')}")


@dataclass
class Ran:
    """A step's result on the shared database, what went back, and how many runs it took."""

    result: Any
    pushed: Pushed | None
    runs: int
    copy: Path
    seconds: dict[str, float] = field(default_factory=dict)  # take, step, push (all runs)


def run(target: str, schema: str, step: str, fn: Callable[[Path], Any], folder: str | Path | None = None,
        progress: Progress | None = None, retries: int = RETRIES) -> Ran:
    """``fn(copy)`` — a step on a risk database file — on the shared database: the working copy
    taken, the step run, its changes pushed; run again on a fresh copy when another writer
    committed meanwhile (at most ``retries`` times, then the bilingual refusal)."""
    p = progress or Progress()
    schema = postgis.check_schema(schema)
    pg = postgis.connect(target)
    try:
        copy = _copy_path(pg, schema, folder)
        stand_for(copy, target, schema, pg)
    finally:
        pg.close()
    seconds = {"take": 0.0, "step": 0.0, "push": 0.0}

    def timed(part: str, job: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        try:
            return job()
        finally:
            seconds[part] += time.perf_counter() - t0

    with _held(copy.with_suffix(".lock"), p):
        for attempt in range(retries + 1):
            s: Session = timed("take", lambda: checkout(target, schema, copy.parent, p))
            result = timed("step", functools.partial(fn, s.copy))
            try:
                pushed = timed("push", functools.partial(push, s, target, step, p))
                return Ran(result, pushed, attempt + 1, s.copy, seconds)
            except StaleShared as exc:
                if attempt == retries:
                    raise StaleShared(
                        f"{exc.en} It ran {retries + 1} times and other writers committed each time; run it again.",
                        f"{exc.zh}已重试 {retries + 1} 次，每次都有其他写入，请稍后再运行。") from exc
                p.info(f"共享库已被其他写入更新，重新取出并再次运行 / The shared database changed meanwhile: "
                       f"taking it again and running {step} again ({attempt + 2}/{retries + 1})")
    raise AssertionError("unreachable")

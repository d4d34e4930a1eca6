"""Fills a stopped Cangku's SQLite metadata with many repositories, fast: every new repository
is a copy of a template repository that was pushed through the API, made by SQL inside SQLite.

Only what a push through the API would have written is written: blobs are global and already
in the store, so the new repositories only need the template's rows with a new repository id.
The copy is generic over the schema: `repositories(id, name)`, and every table with a
`repository_id` column holds one repository's rows. Callers check the result by asking the
started registry for a copied manifest, and fall back to pushing through the API if this fails.
"""

import os
import sqlite3


def clone_repositories(data_dir, template, prefix, start, count):
    """Adds repositories prefix + %06d for start .. start+count-1, copies of `template`."""
    db = os.path.join(data_dir, "metadata.db")
    if not os.path.exists(db):
        raise RuntimeError(f"no {db}")
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute("SELECT id FROM repositories WHERE name = ?", (template,)).fetchone()
        if row is None:
            raise RuntimeError(f"template repository {template} not in {db}")
        tid = row[0]
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO repositories (name) SELECT printf(?, i) FROM n",
            (start, start + count - 1, prefix + "%06d"))
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for t in tables:
            cols = con.execute(f'PRAGMA table_info("{t}")').fetchall()  # cid,name,type,nn,dflt,pk
            names = [c[1] for c in cols]
            if "repository_id" not in names:
                continue
            # An own integer primary key is assigned anew; everything else is copied.
            own_pk = [c[1] for c in cols if c[5] == 1 and c[2].upper() == "INTEGER"
                      and sum(1 for x in cols if x[5]) == 1 and c[1] != "repository_id"]
            keep = [n for n in names if n not in own_pk]
            select = ", ".join("r.id" if n == "repository_id" else f't."{n}"' for n in keep)
            con.execute(
                f'INSERT INTO "{t}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in keep)}) '
                f"SELECT {select} FROM repositories r, \"{t}\" t "
                "WHERE t.repository_id = ? AND r.name >= ? AND r.name <= ?",
                (tid, prefix + "%06d" % start, prefix + "%06d" % (start + count - 1)))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK") if con.in_transaction else None
        raise
    finally:
        con.close()

#!/usr/bin/env python3
"""The copy's own event groups in a relay log (or a binary log), for a
post-mortem of a LOAD DATA FROM MASTER that went wrong.

mariadb-binlog prints the copy's row events but not its notes (the
resume point each group carries, the end of a table, a plan changed by
the master's DDL): they travel in an event type of their own.  This
prints, for every group outside GTID domain 0 (the copy's domain is
4294967295 minus a small number, see SHOW SLAVE STATUS), its GTID, the
tables its row events map, the size of those events and the printable
text of its other events (notes, the copy's CREATE and ALTER).

    scripts/copy-groups.py <datadir>/<host>-relay-bin.000006 | less
    DOMAIN=0 scripts/copy-groups.py master-bin.000003   # one domain only

Uncompressed, unencrypted logs of binlog format 4 only.
"""
import os
import re
import struct
import sys

GTID_EVENT = 162
TABLE_MAP_EVENT = 19
ROWS_EVENTS = {23, 24, 25, 30, 31, 32}  # WRITE/UPDATE/DELETE, v1 and v2


def groups(data, shown):
    pos, gtid = 4, None
    while pos + 19 <= len(data):
        _, kind, _, size, _, _ = struct.unpack_from("<IBIIIH", data, pos)
        if size < 19:
            break
        body = data[pos + 19:pos + size]
        if kind == GTID_EVENT:
            seq, domain = struct.unpack_from("<QI", body, 0)
            gtid = (domain, seq)
            if shown(domain):
                yield f"@{pos} GTID {domain}-{seq}"
        elif gtid and shown(gtid[0]):
            if kind == TABLE_MAP_EVENT:
                db_len = body[8]
                db = body[9:9 + db_len].decode(errors="replace")
                t_len = body[9 + db_len + 1]
                table = body[9 + db_len + 2:9 + db_len + 2 + t_len].decode(errors="replace")
                yield f"   table map `{db}`.`{table}`"
            elif kind in ROWS_EVENTS:
                yield f"   rows event (type {kind}), {size} bytes"
            else:
                text = b" | ".join(re.findall(rb"[\x20-\x7e\n]{6,}", body))
                if text:
                    yield f"   event {kind}: " + text.decode().replace("\n", " / ")[:2000]
        pos += size


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if data[:4] != b"\xfebin":
        sys.exit(f"{sys.argv[1]}: not a binary or relay log")
    only = os.environ.get("DOMAIN")
    if only is None:
        shown = lambda domain: domain != 0  # noqa: E731
    else:
        shown = lambda domain: domain == int(only)  # noqa: E731
    try:
        for line in groups(data, shown):
            print(line)
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()

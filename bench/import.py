"""File import throughput and memory: a generated CSV through `voxloop import`'s code path.

    python bench/import.py [--rows 100000] [--db sqlite|postgres] [--tracemalloc]

Generates a CSV of realistic rows (Chinese and English text, NPS, dates, member ids, a few
broken rows) in a temporary data directory, migrates a fresh database and measures, in the
same run:

- baseline: parsing the file with Python's csv module alone (no mapping, no database);
- read+map: VoxLoop's reader (encoding and delimiter detection, header, row numbers) and
  the column mapping, still without the database;
- import: the whole import (validation with the API's rules, customers, storage in chunks);
- re-import: the same file again (every row is found, nothing is stored).

Memory: peak resident set growth of the process for each phase (ru_maxrss), or with
--tracemalloc the peak of Python allocations (slower; times are then not comparable).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/voxloop_bench_import"

ZH = [
    "配送太慢了，等了两个小时",
    "菜很新鲜，骑手态度也好",
    "App 老是闪退，付款失败",
    "优惠券用不了，客服也不回",
    "包装破了，汤洒了一袋子",
    "希望能增加晚上的配送时段",
]
EN = [
    "Delivery took two hours, food was cold",
    "Great fresh produce, friendly rider",
    "The app crashes at checkout, again",
    "Please add an evening delivery slot",
]


def make_csv(path: Path, rows: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    broken = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["评论内容", "推荐度", "日期", "会员ID", "门店"])
        for i in range(rows):
            text = rnd.choice(ZH if rnd.random() < 0.65 else EN) + f" #{i}"
            nps = rnd.randint(0, 10)
            if i % 997 == 500:  # a few rows that break a rule, as real files have
                nps, broken = 12, broken + 1
            when = start + timedelta(minutes=rnd.randint(0, 60 * 24 * 300))
            w.writerow(
                [
                    text,
                    nps,
                    when.strftime("%Y-%m-%d %H:%M"),
                    f"M{rnd.randint(1, 20000)}",
                    f"S{i % 40}",
                ]
            )
    return broken


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, fn: Callable[[], int], trace: bool) -> dict[str, Any]:
    before = rss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    n = fn()
    seconds = time.perf_counter() - t0
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return {
        "phase": label,
        "rows": n,
        "seconds": seconds,
        "rate": n / seconds if seconds else 0.0,
        "rss_growth": rss_mb() - before,
        "py_peak": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="voxloop-bench-import-"))
    os.environ["VOXLOOP_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxloop.settings")
    os.environ["VOXLOOP_TASK_BACKEND"] = "immediate"
    if args.db == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS voxloop_bench_import")
            c.execute("CREATE DATABASE voxloop_bench_import")
        os.environ["VOXLOOP_DATABASE_URL"] = PG_URL
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from voxloop.accounts.actors import system_actor
    from voxloop.accounts.models import User
    from voxloop.accounts.services import do_create_workspace
    from voxloop.feedback.importing.mapping import parse_map_spec, resolve_mapping, row_to_payload
    from voxloop.feedback.importing.readers import open_reader
    from voxloop.feedback.importing.runner import RejectWriter, import_rows
    from voxloop.feedback.models import Channel, FeedbackItem

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(email="bench@example.test", password="x" * 12)
    workspace = do_create_workspace("Bench", owner, tz="Asia/Shanghai")
    channel = Channel.objects.get(workspace=workspace, slug="import")
    actor = system_actor(workspace)

    path = data / "reviews.csv"
    broken = make_csv(path, args.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    spec = parse_map_spec("text=评论内容,nps=推荐度,occurred_at=日期,customer=会员ID")

    def baseline() -> int:
        n = 0
        with path.open(encoding="utf-8", newline="") as fh:
            for _ in csv.reader(fh):
                n += 1
        return n - 1

    def read_and_map() -> int:
        reader = open_reader(path, hint=list(spec.values()))
        mapping = resolve_mapping(reader.info.columns, spec, keep_unmapped=True)
        n = 0
        for row in reader.rows():
            if row.values is not None:
                row_to_payload(mapping, row.values)
            n += 1
        return n

    results: dict[str, Any] = {}

    def do_import() -> int:
        reader = open_reader(path, hint=list(spec.values()))
        mapping = resolve_mapping(reader.info.columns, spec, keep_unmapped=True)
        with (data / "rejects.csv").open("w", newline="", encoding="utf-8") as fh:
            summary = import_rows(actor, channel, reader, mapping, report=RejectWriter(fh))
        results[f"summary{len(results)}"] = summary
        return summary.rows

    phases = [
        measure("baseline: csv.reader only", baseline, args.tracemalloc),
        measure("read + map (no database)", read_and_map, args.tracemalloc),
        measure("import", do_import, args.tracemalloc),
        measure("re-import (all found)", do_import, args.tracemalloc),
    ]
    first, again = results["summary0"], results["summary1"]
    stored = FeedbackItem.objects.filter(workspace=workspace).count()

    print(
        f"\nimport benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {args.db}"
    )
    print(f"file: {args.rows:,} rows, {size_mb:.1f} MB, {broken} rows breaking a rule\n")
    mem_head = "py peak MB" if args.tracemalloc else "RSS growth MB"
    print(f"{'phase':<28}{'rows/s':>12}{'seconds':>10}{mem_head:>16}{'vs baseline':>13}")
    base_rate = phases[0]["rate"]
    for p in phases:
        mem = p["py_peak"] if args.tracemalloc else p["rss_growth"]
        print(
            f"{p['phase']:<28}{p['rate']:>12,.0f}{p['seconds']:>10.2f}{mem:>16.1f}"
            f"{p['rate'] / base_rate:>12.1%}"
        )
    print(
        f"\nimport: {first.created:,} created, {first.existing:,} existing, "
        f"{first.rejected:,} rejected; re-import: {again.created:,} created, "
        f"{again.existing:,} existing; items stored: {stored:,}"
    )
    ok = first.rejected == broken and again.created == 0 and stored == first.created
    print("check:", "OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

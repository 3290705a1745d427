"""Ingestion throughput: batch API vs raw executemany, and single-item load.

    python bench/ingest.py [--db sqlite|postgres|both] [--items 20000] [--load-seconds 30]

Starts `voxloop serve --no-worker` on a fresh database (analysis is not part of the
measurement; items wait for a worker), posts batches of 1,000 items through HTTP, then
inserts the same rows with a raw executemany in the same run as the baseline. The load part
drives single-item POSTs over 64 keep-alive connections (bench/loadclient.py) and checks
that the number of stored items equals the number of 2xx answers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadclient import LoadResult, run_load

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/voxloop_bench"

ZH = [
    "配送太慢了，等了两个小时",
    "菜很新鲜，骑手态度也好",
    "App 老是闪退，付款失败",
    "优惠券用不了，客服也不回",
    "包装破了，汤洒了一袋子",
    "价格比上个月贵了不少",
    "希望能增加晚上的配送时段",
]
EN = [
    "Delivery took two hours, food was cold",
    "Great fresh produce, friendly rider",
    "The app crashes at checkout",
    "Coupon did not apply and support never replied",
    "Please add an evening delivery slot",
]


def make_items(n: int, seed: int = 1) -> list[dict[str, object]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        text = rnd.choice(ZH if rnd.random() < 0.65 else EN) + f" #{i}"
        item: dict[str, object] = {
            "text": text,
            "external_id": f"b-{i}",
            "customer": f"M{rnd.randrange(5000)}",
            "metadata": {"order": f"O{rnd.randrange(10**6)}"},
        }
        if rnd.random() < 0.5:
            item["nps"] = rnd.randrange(11)
        out.append(item)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> str:
    res = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return res.stdout


def reset_postgres() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS voxloop_bench WITH (FORCE)")
        c.execute("CREATE DATABASE voxloop_bench")


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voxloop",
                "serve",
                "--no-worker",
                "--no-migrate",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def post_batches(port: int, key: str, items: list[dict[str, object]], clients: int) -> float:
    batches = [items[i : i + 1000] for i in range(0, len(items), 1000)]
    bodies = [json.dumps({"items": b}, ensure_ascii=False).encode() for b in batches]
    errors: list[str] = []

    def worker(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in mine:
            conn.request(
                "POST",
                "/api/v1/feedback/batch",
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            res = conn.getresponse()
            data = res.read()
            if res.status != 200 or json.loads(data)["created"] != 1000:
                errors.append(f"{res.status} {data[:200]!r}")

    threads = [threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"batch errors: {errors[:3]}")
    return elapsed


def raw_insert(db: str, data_dir: Path, items: list[dict[str, object]]) -> float:
    """The same rows with executemany into a table shaped like the feedback table."""
    rows = [
        (
            it["text"],
            it["external_id"],
            it.get("nps"),
            json.dumps(it["metadata"]),
            json.dumps(it, ensure_ascii=False),
        )
        for it in items
    ]
    ddl = (
        "CREATE TABLE bench_raw (id {pk}, text TEXT, external_id VARCHAR(200), nps SMALLINT, "
        "metadata TEXT, raw_payload TEXT, occurred_at TIMESTAMP, status VARCHAR(12))"
    )
    if db == "sqlite":
        conn = sqlite3.connect(data_dir / "voxloop.sqlite3")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(ddl.format(pk="INTEGER PRIMARY KEY"))
        sql = (
            "INSERT INTO bench_raw (text, external_id, nps, metadata, raw_payload, occurred_at, status) "
            "VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP, 'received')"
        )
        start = time.perf_counter()
        for i in range(0, len(rows), 1000):
            with conn:
                conn.executemany(sql, rows[i : i + 1000])
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed
    import psycopg

    with psycopg.connect(PG_URL) as conn:
        conn.execute(ddl.format(pk="BIGSERIAL PRIMARY KEY"))
        conn.commit()
        sql = (
            "INSERT INTO bench_raw (text, external_id, nps, metadata, raw_payload, occurred_at, status) "
            "VALUES (%s, %s, %s, %s, %s, now(), 'received')"
        )
        start = time.perf_counter()
        for i in range(0, len(rows), 1000):
            with conn.cursor() as cur:
                cur.executemany(sql, rows[i : i + 1000])
            conn.commit()
        return time.perf_counter() - start


def count_items(db: str, data_dir: Path) -> int:
    if db == "sqlite":
        with sqlite3.connect(data_dir / "voxloop.sqlite3") as conn:
            return int(conn.execute("SELECT count(*) FROM feedback_feedbackitem").fetchone()[0])
    import psycopg

    with psycopg.connect(PG_URL) as conn:
        return int(conn.execute("SELECT count(*) FROM feedback_feedbackitem").fetchone()[0])  # type: ignore[index]


def bench(db: str, args: argparse.Namespace) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix=f"voxloop-bench-{db}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXLOOP_")}
    env.update(
        {
            "VOXLOOP_DATA_DIR": str(tmp),
            "VOXLOOP_TASK_BACKEND": "database",
            "VOXLOOP_LOG_LEVEL": "WARNING",
        }
    )
    if db == "postgres":
        reset_postgres()
        env["VOXLOOP_DATABASE_URL"] = PG_URL
    run(
        [
            sys.executable,
            "-m",
            "voxloop",
            "init",
            "--workspace",
            "Bench",
            "--email",
            "bench@example.com",
            "--password",
            "bench-password-1",
        ],
        env,
    )
    key = run([sys.executable, "-m", "voxloop", "createkey", "--workspace", "bench"], env).strip()
    items = make_items(args.items)
    port = free_port()
    server = Server(env, port, args.workers, args.threads)
    try:
        api_s = post_batches(port, key, items, clients=2)
        raw_s = raw_insert(db, tmp, items)
        result: dict[str, object] = {"db": db, "items": len(items), "api_s": api_s, "raw_s": raw_s}
        if args.load_seconds:
            before = count_items(db, tmp)
            load = run_load(
                "127.0.0.1", port, key, connections=args.clients, seconds=args.load_seconds
            )
            stored = count_items(db, tmp) - before
            result.update(load=load, stored=stored)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if args.load_seconds and not shutil.which("wrk"):
        raise SystemExit(
            "wrk is needed for the load part (apt-get install wrk), or pass --load-seconds 0"
        )
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [bench(db, args) for db in dbs]
    print(
        f"\nIngest benchmark · {time.strftime('%Y-%m-%d')} · {platform.machine()} · "
        f"{os.cpu_count()} cores · server: {args.workers} workers × {args.threads} threads\n"
    )
    print("| database | items | API batch items/s | raw executemany items/s | API / raw |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        api_rate = r["items"] / r["api_s"]  # type: ignore[operator]
        raw_rate = r["items"] / r["raw_s"]  # type: ignore[operator]
        print(
            f"| {r['db']} | {r['items']:,} | {api_rate:,.0f} | {raw_rate:,.0f} | {api_rate / raw_rate:.0%} |"
        )
    if args.load_seconds:
        print(
            f"\nSingle-item POST, {args.clients} keep-alive connections × {args.load_seconds} s\n"
        )
        print(
            "| database | requests/s | p50 ms | p99 ms | sent | 2xx answers | items stored "
            "| other answers | errors |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            load: LoadResult = r["load"]  # type: ignore[assignment]
            other = sum(v for k, v in load.statuses.items() if not 200 <= k < 300)
            print(
                f"| {r['db']} | {load.rps:,.0f} | {load.percentile(50):.1f} | "
                f"{load.percentile(99):.1f} | {load.sent:,} | {load.ok:,} | {r['stored']:,} | "
                f"{other} | {load.errors} |"
            )


if __name__ == "__main__":
    main()

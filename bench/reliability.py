"""Reliability suite: how loads and the dashboard fail, printed as figures (not a timed test).

Each scenario runs the real command line (`python -m cli ...`) or the real production server
(`gunicorn app:server`) on this machine and prints one line:

  kill points     SIGKILL at random moments across every stage (parse ... publish): warehouse
                  byte-identical or fully published, no work file left after the next start
  serve + load    a probe hammering a dashboard callback while loads publish: errors
  disk full       a load onto a small tmpfs (root only): exit 1, one sentence, warehouse intact
  memory cap      a load under RLIMIT_AS: exit 1, one sentence, warehouse intact
  truncation      the file cut at random byte offsets: loads or refuses in one sentence, never a
                  traceback
  encodings       UTF-8 BOM, UTF-16, Windows-1252 and Mac Roman copies: rows loaded
  null keys       tweets without an id: quarantined with their line
  schema drift    a renamed and a retyped column: refused with the column named
  late data       the file loaded in shuffled chunks equals one load (table hashes)
  corrupt publish a candidate breaking a model check: refused, old snapshot kept
  recycling       gunicorn --max-requests 25 under a request loop: non-200 answers

Run: ``python bench/reliability.py [--n 60000] [--kills 12]``. Bounded: every loop has a count
and a time limit, every server is on 127.0.0.1 and stopped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import callback_payload, gunicorn_server  # noqa: E402


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def cli(db: Path, *args: str, preexec=None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`socialcare --db DB ARGS...` in a child process; a run past `timeout` counts as exit -9."""
    cmd = [sys.executable, "-m", "cli", "--db", str(db), *args]
    try:
        return subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, preexec_fn=preexec, timeout=timeout
        )
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(
            cmd, -9, e.stdout or "", f"timed out after {timeout:.0f} s"
        )


def one_sentence(r: subprocess.CompletedProcess) -> bool:
    errors = [x for x in r.stderr.splitlines() if x.startswith("Error:")]
    return r.returncode == 1 and len(errors) == 1 and "Traceback" not in r.stderr + r.stdout


def make_tweets(path: Path, n: int, seed: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "make_twcs.py"),
            "--n",
            str(n),
            "--seed",
            str(seed),
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


def report(name: str, text: str) -> None:
    print(f"{name:<16}{text}", flush=True)


def kill_points(work: Path, base: Path, extra: Path, kills: int) -> None:
    db = work / "kill.duckdb"
    shutil.copyfile(base, db)
    start = time.time()
    probe = work / "probe.duckdb"
    shutil.copyfile(base, probe)
    assert cli(probe, "load", "twcs", str(extra)).returncode == 0
    full = time.time() - start
    published = sha(probe)
    before = sha(db)
    rng = random.Random(7)
    intact = complete = 0
    for i in range(kills):
        at = full * (i + rng.random()) / kills  # one kill in each slice of the load's duration
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", str(db), "load", "twcs", str(extra)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(at)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        now = sha(db)
        if now == before:
            intact += 1
        elif now == published or proc.returncode == 0:
            complete += 1
            shutil.copyfile(base, db)  # start the next kill from the old warehouse again
    leftovers_before = len(list(work.glob(".kill.duckdb.work-*")))
    cli(db, "load", "twcs", str(extra))
    leftovers = len(list(work.glob(".kill.duckdb.work-*")))
    report(
        "kill points",
        f"{kills} kills over {full:.1f} s loads: {intact} left the warehouse byte-identical, "
        f"{complete} completed, {kills - intact - complete} other; work files {leftovers_before} after "
        f"the kills, {leftovers} after the next load",
    )


def serve_and_load(work: Path, base: Path, extras: list[Path]) -> None:
    db = work / "serve.duckdb"
    shutil.copyfile(base, db)
    with gunicorn_server(db, {"SOCIALCARE_WARM": "0"}, workers=2, threads=4) as url:
        import requests

        deps = requests.get(url + "/_dash-dependencies", timeout=30).json()
        body = callback_payload(deps, "sc-tiles.children", {})
        stop, answers = threading.Event(), {}

        def probe():
            deadline = time.time() + 600
            while not stop.is_set() and time.time() < deadline:
                try:
                    code = requests.post(
                        url + "/_dash-update-component", json=body, timeout=60
                    ).status_code
                except requests.RequestException:
                    code = -1
                answers[code] = answers.get(code, 0) + 1

        t = threading.Thread(target=probe)
        t.start()
        loads = [cli(db, "load", "twcs", str(x)).returncode for x in extras]
        stop.set()
        t.join()
    bad = sum(v for k, v in answers.items() if k not in (200, 204))
    report(
        "serve + load",
        f"{len(loads)} loads published ({loads.count(0)} ok) during {sum(answers.values())} "
        f"callback requests: {bad} not answered 200/204 ({answers})",
    )


def disk_full(work: Path, small: Path, extra: Path) -> None:
    if os.geteuid() != 0:
        report("disk full", "skipped: mounting a tmpfs needs root")
        return
    mnt = work / "tmpfs"
    mnt.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)], check=True)
    try:
        db = mnt / "w.duckdb"
        cli(db, "load", "twcs", str(small))
        before = sha(db)
        st = os.statvfs(mnt)
        (mnt / "filler").write_bytes(b"\0" * max(st.f_bavail * st.f_frsize - (1 << 20), 0))
        r = cli(db, "load", "twcs", str(extra))
        report(
            "disk full",
            f"exit {r.returncode}, one sentence {one_sentence(r)}, warehouse intact "
            f"{sha(db) == before}, work files left {len(list(mnt.glob('.w.duckdb.work-*')))}: "
            f"{r.stderr.strip().splitlines()[-1][:110] if r.stderr.strip() else ''}",
        )
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def memory_cap(work: Path, base: Path, big: Path) -> None:
    db = work / "mem.duckdb"
    shutil.copyfile(base, db)
    before = sha(db)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (1500 << 20, 1500 << 20))

    r = cli(db, "load", "twcs", str(big), preexec=cap, timeout=300)
    report(
        "memory cap",
        f"1.5 GB address space: exit {r.returncode}, one sentence {one_sentence(r)}, "
        f"warehouse intact {sha(db) == before}",
    )


def truncation(work: Path, base: Path, source: Path, cuts: int) -> None:
    data = source.read_bytes()
    rng = random.Random(11)
    outcomes = {"loaded": 0, "refused": 0, "traceback": 0}
    quarantined = 0
    for i in range(cuts):
        cut = work / f"cut{i}.csv"
        cut.write_bytes(data[: rng.randrange(len(data) // 10, len(data))])
        db = work / f"cut{i}.duckdb"
        shutil.copyfile(base, db)
        r = cli(db, "load", "twcs", str(cut))
        if "Traceback" in r.stderr:
            outcomes["traceback"] += 1
        elif r.returncode == 0:
            outcomes["loaded"] += 1
            quarantined += "quarantined" in r.stdout
        else:
            outcomes["refused"] += one_sentence(r)
        db.unlink()
        cut.unlink()
    report(
        "truncation",
        f"{cuts} cuts at random offsets: {outcomes['loaded']} loaded ({quarantined} with the "
        f"cut record quarantined), {outcomes['refused']} refused in one sentence, "
        f"{outcomes['traceback']} tracebacks",
    )


def encodings(work: Path, source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    results = []
    for name, enc in (
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp1252", "cp1252"),
        ("mac_roman", "mac_roman"),
    ):
        path = work / f"enc-{name}.csv"
        path.write_bytes(text.encode(enc, errors="replace"))
        r = cli(work / f"enc-{name}.duckdb", "load", "twcs", str(path))
        results.append(f"{name} exit {r.returncode}")
    report("encodings", ", ".join(results))


def null_keys(work: Path, source: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    blank = frame.index % 500 == 1
    frame.loc[blank, "tweet_id"] = ""
    damaged = work / "nullkeys.csv"
    frame.to_csv(damaged, index=False)
    r = cli(work / "nullkeys.duckdb", "load", "twcs", str(damaged))
    first = r.stdout.strip().splitlines()[0] if r.stdout.strip() else r.stderr.strip()
    report(
        "null keys",
        f"{int(blank.sum())} ids blanked: exit {r.returncode}; {first.split(' as ')[0][-60:]}; "
        f"{first.split(';', 1)[1].strip()[:80] if ';' in first else ''}",
    )


def schema_drift(work: Path, source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    renamed = work / "renamed.csv"
    renamed.write_text(text.replace("created_at", "createdAt", 1), encoding="utf-8")
    r1 = cli(work / "drift.duckdb", "load", "twcs", str(renamed))
    retyped = work / "retyped.csv"
    head, *rows = text.splitlines(keepends=True)
    retyped.write_text(
        head + "".join(r.replace(" +0000 ", " +0000 x", 1) for r in rows), encoding="utf-8"
    )
    r2 = cli(work / "drift2.duckdb", "load", "twcs", str(retyped))
    report(
        "schema drift",
        f"renamed column: exit {r1.returncode}, one sentence {one_sentence(r1)} "
        f"({r1.stderr.strip()[:90]}); retyped dates: exit {r2.returncode}, one sentence {one_sentence(r2)}",
    )


def late_data(work: Path, source: Path, chunks: int) -> None:
    import pandas as pd

    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    one = work / "once.duckdb"
    cli(one, "load", "twcs", str(source))
    rng = random.Random(3)
    order = list(range(chunks))
    rng.shuffle(order)
    split = work / "split.duckdb"
    for k in order:
        part = work / f"part{k}.csv"
        frame.iloc[k::chunks].to_csv(part, index=False)
        cli(split, "load", "twcs", str(part))
    import duckdb

    def digest(path: Path, table: str) -> str:
        con = duckdb.connect(str(path), read_only=True)
        try:
            cols = [
                f"round({c}, 9)" if kind == "DOUBLE" else c
                for c, kind in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_name = ? and column_name <> 'load_id'",
                    [table],
                ).fetchall()
            ]
            # doubles to 9 decimals: a mean summed in another order differs in its last bit
            return str(
                con.execute(
                    f"select count(*), sum(hash({', '.join(cols)})) from {table}"
                ).fetchone()
            )
        finally:
            con.close()

    tables = ("interactions", "messages", "fct_cases", "agg_cases_daily")
    same = [t for t in tables if digest(one, t) == digest(split, t)]
    report(
        "late data",
        f"{chunks} chunks in shuffled order {order}: {len(same)} of {len(tables)} tables equal "
        f"to one load ({', '.join(same)})",
    )


def corrupt_publish(work: Path, base: Path) -> None:
    from warehouse.db import WarehouseError, snapshot_writer

    db = work / "corrupt.duckdb"
    shutil.copyfile(base, db)
    before = sha(db)
    try:
        with snapshot_writer(db) as con:
            con.execute("insert into interactions select * from interactions limit 1")
        refused = False
    except WarehouseError:
        refused = True
    report(
        "corrupt publish",
        f"duplicate key in the candidate: refused {refused}, old snapshot kept {sha(db) == before}",
    )


def recycling(work: Path, base: Path, requests_n: int) -> None:
    import requests

    db = work / "recycle.duckdb"
    shutil.copyfile(base, db)
    os.environ["GUNICORN_CMD_ARGS"] = "--max-requests 25 --max-requests-jitter 5"
    try:
        with gunicorn_server(db, {"SOCIALCARE_WARM": "0"}, workers=2, threads=2) as url:
            deps = requests.get(url + "/_dash-dependencies", timeout=30).json()
            body = callback_payload(deps, "sc-tiles.children", {})
            codes: dict[int, int] = {}
            deadline = time.time() + 300
            for _ in range(requests_n):
                if time.time() > deadline:
                    break
                try:
                    c = requests.post(
                        url + "/_dash-update-component", json=body, timeout=60
                    ).status_code
                except requests.RequestException:
                    c = -1
                codes[c] = codes.get(c, 0) + 1
    finally:
        os.environ.pop("GUNICORN_CMD_ARGS", None)
    bad = sum(v for k, v in codes.items() if k not in (200, 204))
    report(
        "recycling",
        f"{sum(codes.values())} requests with workers recycled every ~25: {bad} not 200/204 ({codes})",
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=60_000, help="tweets in the base file")
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--cuts", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="socialcare-reliability-") as tmp:
        work = Path(tmp)
        t0 = time.time()
        src = make_tweets(work / "base.csv", args.n, 1)
        extra = make_tweets(work / "extra.csv", args.n, 2)
        base = work / "base.duckdb"
        assert cli(base, "load", "twcs", str(src)).returncode == 0
        print(
            f"machine: {os.cpu_count()} cores; base warehouse {args.n:,} tweets, {base.stat().st_size / 1e6:.0f} MB"
        )
        kill_points(work, base, extra, args.kills)
        extras = [make_tweets(work / f"more{i}.csv", 5_000, 20 + i) for i in range(3)]
        serve_and_load(work, base, extras)
        disk_full(work, make_tweets(work / "small.csv", 2_000, 5), extra)
        memory_cap(work, base, make_tweets(work / "big.csv", 300_000, 6))
        truncation(work, base, extra, args.cuts)
        encodings(work, make_tweets(work / "enc.csv", 3_000, 8))
        null_keys(work, make_tweets(work / "nulls.csv", 5_000, 9))
        schema_drift(work, make_tweets(work / "drift.csv", 2_000, 10))
        late_data(work, make_tweets(work / "late.csv", 20_000, 12), 4)
        corrupt_publish(work, base)
        recycling(work, base, 120)
        print(f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

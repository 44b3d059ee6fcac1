"""A load in a child process, so that a load the operating system kills (out of memory, a
memory cap, a crash in native code) ends in one sentence instead of taking the command with it.
The warehouse is safe either way (loads publish atomically); this is about the message."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from pathlib import Path

from etl.settings.config import Config
from warehouse.db import WarehouseError


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when the command that started it dies (a `kill PID` of
    the command must stop its load too, as it did before loads ran in a child)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the load may then outlive a killed command
        pass
    if os.getppid() != parent:  # the command died before the request took effect
        os._exit(1)


def _child(
    conn, parent: int, kind: str, source: str, db: Path, config: Config, mapping: str | None
) -> None:
    _die_with(parent)
    from warehouse.ingest import load_file

    try:
        conn.send(("ok", load_file(kind, source, db, config, mapping)))
    except BaseException as e:  # noqa: BLE001 - every failure goes back to the parent
        try:
            conn.send(("error", e))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("error", WarehouseError(f"{type(e).__name__}: {e}")))
    finally:
        conn.close()


def load_in_child(kind: str, source: str, db: Path, config: Config, mapping: str | None = None):
    """load_file in a fresh child process; its result, its exception re-raised, or a one-sentence
    WarehouseError when the child was killed by a signal. SOCIALCARE_LOAD_IN_PROCESS=1 loads here."""
    if os.environ.get("SOCIALCARE_LOAD_IN_PROCESS") == "1":
        from warehouse.ingest import load_file

        return load_file(kind, source, db, config, mapping)
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, os.getpid(), kind, source, db, config, mapping))
    proc.start()
    send.close()
    try:
        outcome = receive.recv() if receive.poll(None) else None
    except EOFError:
        outcome = None
    proc.join()
    if outcome is None:
        # a native library may have printed half a line as it died ('…out of memory (unrecoverable
        # error)!' with no newline): end it, so that our one sentence starts a line of its own
        sys.stderr.write("\n")
        sys.stderr.flush()
        code = proc.exitcode or 0
        name = (
            signal.Signals(-code).name
            if code < 0 and -code in signal.valid_signals()
            else f"exit {code}"
        )
        raise WarehouseError(
            f"the load of {source} was stopped by the system ({name}), most often because the machine ran "
            "out of memory; close other programs or load the file in parts, and run the command again: "
            "the warehouse is unchanged."
        )
    status, value = outcome
    if status == "error":
        raise value
    return value

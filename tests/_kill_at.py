"""Run ``spacecoop`` and SIGKILL it just before its Nth file-system change under a folder.

Usage: ``python _kill_at.py WATCH N LOG -- ARGS...``. Python's audit hooks report every rename,
symlink, mkdir, removal and file opened for writing before it happens; the ones whose path lies
under WATCH are counted, appended to LOG as ``index<TAB>event<TAB>path`` lines, and at the Nth the
process kills itself with SIGKILL (a real, uncatchable kill, at a chosen point of the publish
step). N = 0 never kills, so a first run lists the points to kill at.

With ``--publish`` instead of spacecoop's arguments, the process publishes two small files whose
text is ARGS[0] into ARGS[1] with :func:`spacecoop.publish.build.publish` (fast, for sweeping every point).
"""

from __future__ import annotations

import os
import signal
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
EVENTS = {
    "os.rename",
    "os.symlink",
    "os.remove",
    "os.rmdir",
    "shutil.rmtree",
    "os.mkdir",
    "os.chmod",
    "os.truncate",
    "os.link",
}


def main() -> None:
    watch, n, log = os.path.realpath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    args = sys.argv[sys.argv.index("--") + 1 :]
    count = 0

    def under(path) -> bool:
        if isinstance(path, int) or path is None:
            return False
        full = os.path.realpath(os.fsdecode(path))
        return full == watch or full.startswith(watch + os.sep)

    def hook(event: str, hook_args: tuple) -> None:
        nonlocal count
        if event == "open":
            path, _mode, flags = hook_args
            if not (flags or 0) & WRITE_FLAGS:
                return
        elif event not in EVENTS:
            return
        else:  # os.symlink(target, link): the link is what changes
            path = hook_args[1] if event == "os.symlink" else hook_args[0]
        if not under(path):
            return
        count += 1
        with open(log, "a", encoding="utf-8") as f:  # an audited open, but of a file not under WATCH
            f.write(f"{count}\t{event}\t{os.fsdecode(path)}\n")
        if count == n:
            os.kill(os.getpid(), signal.SIGKILL)

    if args[0] == "--publish":
        from spacecoop.publish.build import publish

        files = {"a.txt": args[1].encode() * 1000, "b.txt": args[1].encode() * 2000}
        sys.addaudithook(hook)
        publish(args[2], files)
        return
    from spacecoop.cli.app import main as cli_main

    sys.addaudithook(hook)
    sys.exit(cli_main(args))


if __name__ == "__main__":
    main()

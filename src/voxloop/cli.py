"""The `voxloop` command: a curated front for VoxLoop's management commands."""

from __future__ import annotations

import os
import sys

COMMANDS: dict[str, str] = {
    "init": "Create the database, a workspace and its owner.",
    "serve": "Run the production web server (and, unless --no-worker, a background worker).",
    "worker": "Run a background worker (analysis, imports, scheduled jobs).",
    "demo": "Create a demo workspace with realistic feedback, then serve it.",
    "import": "Import feedback from CSV, XLSX or JSONL.",
    "export": "Export feedback with analysis fields to CSV, JSONL or XLSX.",
    "createkey": "Create an API key for a workspace (printed once).",
    "eval": "Score an analysis step on a labelled CSV/JSONL file.",
    "rebuild_rollups": "Rebuild the dashboard's rollups from the stored feedback.",
    "migrate": "Apply database migrations (init does this for you).",
    "manage": "Any Django management command (voxloop manage <command> ...).",
}


def usage() -> str:
    lines = ["usage: voxloop <command> [options]", "", "commands:"]
    width = max(map(len, COMMANDS))
    lines += [f"  {name:<{width}} {doc}" for name, doc in COMMANDS.items()]
    lines += ["", "Run `voxloop <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    if args[0] in {"--version", "version"}:
        from voxloop import __version__

        print(f"voxloop {__version__}")
        return 0
    command = args[0]
    if command not in COMMANDS:
        print(f"voxloop: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxloop.settings")
    if command == "eval":
        from voxloop.analysis.evaluate import main as eval_main

        return int(eval_main(args[1:]))
    from voxloop.conf import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"voxloop: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    if command == "manage":
        args = args[1:]
    if command == "import":
        args = ["import_feedback", *args[1:]]
    if command == "export":
        args = ["export_feedback", *args[1:]]
    execute_from_command_line(["voxloop", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

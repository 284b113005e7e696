"""Staff commands for the stored conversations: purge (retention), export (Art. 15), erase (Art. 17).

    python -m privacy purge                      # cron: one summary line, exit 1 only on real errors
    python -m privacy export SENDER [--out FILE] # readable JSON to stdout or FILE
    python -m privacy erase SENDER

Exit codes: 0 done, 1 error (store unreachable, bad config), 2 unknown sender or bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

EXIT_ERROR = 1
EXIT_UNKNOWN_SENDER = 2


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m privacy", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--endpoints", type=Path, help="endpoints.yml naming the tracker store (default: the project's)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("purge", help="delete conversations older than privacy.retention_days")
    export = commands.add_parser("export", help="write one conversation as readable JSON")
    export.add_argument("sender")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    erase = commands.add_parser("erase", help="delete one conversation")
    erase.add_argument("sender")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    from practice.config import load_practice_config
    from privacy.retention import purge_expired
    from privacy.store import open_tracker_store
    from privacy.subject_rights import UnknownSender, erase_conversation, export_conversation
    from review.state import ReviewState

    store = open_tracker_store(args.endpoints)
    try:
        if args.command == "purge":
            days = load_practice_config().retention_days
            removed = purge_expired(store, days)
            # The review page's marks of messages dealt with go with the messages (review/state.py).
            forgotten = ReviewState(retention_days=days).forget_expired()
            print(
                f"purge: removed {removed} conversation(s) with no activity for more than {days} days"
                f" and {forgotten} review mark(s)"
            )
        elif args.command == "export":
            text = json.dumps(await export_conversation(store, args.sender), ensure_ascii=False, indent=2)
            if args.out:
                args.out.write_text(text + "\n", encoding="utf-8")
                print(f"export: wrote the conversation to {args.out}", file=sys.stderr)
            else:
                print(text)
        elif args.command == "erase":
            removed = await erase_conversation(store, args.sender)
            print(f"erase: deleted the conversation ({removed} stored events)")
    except UnknownSender as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return EXIT_UNKNOWN_SENDER
    finally:
        store.engine.dispose()
    return 0


def quiet_logging() -> None:
    """Cron mails any output: only the summary line or an error may appear, not library warnings."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # libraries re-enable their warnings on import; route them to logging


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    quiet_logging()
    try:
        return asyncio.run(run(args))
    except Exception as error:  # noqa: BLE001 - one clear line for cron instead of a traceback
        print(f"{args.command}: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

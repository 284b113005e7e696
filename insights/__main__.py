"""`python -m insights [--out reports/insights.html]`: writes the staff report from the configured
tracker store."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

DEFAULT_OUT = Path("reports/insights.html")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights", description=__doc__)
    parser.add_argument(
        "--endpoints", type=Path, help="endpoints.yml naming the tracker store (default: the project's)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--domain",
        type=Path,
        default=None,
        help="domain.yml whose button titles name the topics (default: the project's)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)

    from insights.collect import collect
    from insights.render import render_report
    from insights.topics import DEFAULT_DOMAIN, load_topic_names
    from practice.config import config_path
    from privacy.store import open_tracker_store
    from review.examples import reviewed_examples, reviewed_per_week
    from review.settings import load_review_settings

    try:
        # Before the store is read, so that a topic without a German name stops the report at once.
        topic_names = load_topic_names(args.domain or DEFAULT_DOMAIN)
        store = open_tracker_store(args.endpoints)
        try:
            insights = collect(store)
        finally:
            store.engine.dispose()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            render_report(
                insights,
                topic_names,
                reviewed_per_week=reviewed_per_week(reviewed_examples()),
                review_url=load_review_settings(config_path()).url,
            ),
            encoding="utf-8",
        )
    except Exception as error:  # noqa: BLE001 - one clear line instead of a traceback
        print(f"report: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"report: {insights.conversations} conversations, written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

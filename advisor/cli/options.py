"""Options several commands share."""

from __future__ import annotations

import argparse

KB_HELP = ("knowledge-base folder (default: $ADVISOR_KB or the bundled one), e.g. --kb "
           "./knowledgebase")


def add_kb(parser: argparse.ArgumentParser) -> None:
    """The ``--kb`` option."""
    parser.add_argument("--kb", help=KB_HELP)

"""`python -m examples.apps NAME [original|redesign]`: serve one example app until Ctrl-C."""

from __future__ import annotations

import sys
import time

from examples.apps import APPS, serve


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in APPS:
        print(
            f"usage: python -m examples.apps {{{','.join(APPS)}}} [original|redesign]",
            file=sys.stderr,
        )
        return 2
    variant = argv[1] if len(argv) > 1 else "original"
    with serve(argv[0], variant) as base_url:
        print(f"{argv[0]} ({variant}) on {base_url}{APPS[argv[0]].spec.start}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

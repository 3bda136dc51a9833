"""Write the api's OpenAPI schema to frontend/openapi.json, or to the path given as the
first argument (input of `npm run gen:api`).

Built from ``create_app().openapi()`` with default settings, so no server or database is
needed; keys are sorted so that the file only changes when the api does.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "frontend" / "openapi.json"


def main() -> int:
    target = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else TARGET
    sys.path.insert(0, str(ROOT))
    # An embedded-mode app on a throwaway SQLite path: the schema does not depend on it,
    # and nothing is connected before the first request.
    with tempfile.TemporaryDirectory(prefix="testable-openapi-") as scratch:
        os.environ["TESTABLE_DATA_DIR"] = scratch
        os.environ["TESTABLE_MODE"] = "embedded"
        from backend.app import create_app

        schema = create_app().openapi()
    target.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

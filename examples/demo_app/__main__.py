"""``python -m examples.demo_app --port 8100 --variant changed``"""

from __future__ import annotations

import argparse

import uvicorn

from examples.demo_app.app import create_app
from examples.demo_app.variants import Variant


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the TestAble demo shop.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--variant", choices=[v.value for v in Variant], default="original")
    args = parser.parse_args()
    print(f"Demo shop ({args.variant}) on http://{args.host}:{args.port}")
    uvicorn.run(create_app(args.variant), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""Run the emulator standalone: ``python -m plugins.intercom.emulator --port 8010 [--token T]``."""

from __future__ import annotations

import argparse

from hub.sandbox.emulator import Faults, run_forever
from plugins.intercom.emulator.app import create_app
from plugins.intercom.emulator.seed import build_seed
from plugins.intercom.emulator.workspace import Workspace


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Intercom API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--per-minute", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    ws = build_seed(args.seed, workspace=Workspace(token=args.token, per_minute=args.per_minute))
    run_forever(create_app(ws, Faults(rate=args.fault_rate, seed=args.seed)), args.host, args.port)


if __name__ == "__main__":
    main()

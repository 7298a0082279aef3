"""`gyde`: one entry point; each subcommand lives in its own module under cli/ and registers
itself with `add_parser(subparsers)`, setting `func(args) -> int`."""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMAND_MODULES = (
    "cli.seed",
    "cli.demo",
    "cli.campaign",
    "cli.broker",
    "cli.worker_cmd",
    "cli.db_cmd",
    "cli.dev",
    "cli.chat",
    "cli.media",
    "cli.audit",
    "cli.apikey",
    "cli.bench",
    "cli.api_cmd",
    "cli.sim_cmd",
    "cli.chaos",
    "cli.eval",
    "cli.review",
    "cli.temporal_cmd",
    "cli.providers_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gyde", description="Gyde Voice: outbound AI voice campaigns.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # subcommand not built in this checkout
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from security.redaction import install_redaction

    install_redaction()  # every gyde process masks PHI in every log record and traceback
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except Exception as exc:
        from cli.errors import user_message

        message = user_message(exc)
        if message is None:
            raise  # a bug: keep its traceback
        print(f"gyde: {message}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())

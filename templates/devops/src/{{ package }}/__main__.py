"""Entry point: ``python -m <package>`` serves until SIGTERM or Ctrl-C."""

from .server import main

if __name__ == "__main__":
    raise SystemExit(main())

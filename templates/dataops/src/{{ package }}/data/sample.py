"""Sample data for the pipeline: customers and their orders, with a few deliberately bad rows.

The project ships this generator's output at scale 1 in data/landing/; `make data-sample
SCALE=100` writes 100 times as many rows (for load tests and benchmarks) into a folder of your
choice. The same seed gives the same files.

    python -m PACKAGE.data.sample --scale 100 --out /tmp/landing
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

CUSTOMERS = 200
ORDERS_PER_DAY = 500
DAYS = 2
START = date(2026, 11, 1)
COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "PL", "SE")
STATUSES = ("placed", "shipped", "delivered", "cancelled")
FIRST = ("Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Edsger", "Frances", "Tim")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Dijkstra")


def _customers(rng: random.Random, count: int) -> list[dict[str, str]]:
    rows = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "customer_id": str(number),
                "full_name": f"{first} {last}",
                "email": f"{first}.{last}.{number}@example.com".lower(),
                "phone": f"+49 30 {rng.randrange(1_000_000, 9_999_999)}",
                "country": rng.choice(COUNTRIES),
                "signup_date": (START - timedelta(days=rng.randrange(1, 700))).isoformat(),
            }
        )
    # Bad rows: an unknown country and a missing email, quarantined by the checks.
    rows[3]["country"] = "XX"
    rows[7]["email"] = ""
    return rows


def _orders(rng: random.Random, customers: int, day: int, per_day: int) -> list[dict[str, str]]:
    rows = []
    first_id = day * per_day + 1
    for number in range(first_id, first_id + per_day):
        rows.append(
            {
                "order_id": str(number),
                "customer_id": str(rng.randrange(1, customers + 1)),
                "order_date": (START + timedelta(days=day)).isoformat(),
                "amount": f"{rng.uniform(5, 500):.2f}",
                "status": rng.choice(STATUSES),
            }
        )
    # Bad rows: a negative amount, an unknown status, an amount that is no number.
    rows[1]["amount"] = "-12.50"
    rows[2]["status"] = "lost"
    rows[5]["amount"] = "twelve"
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_sample(out: Path, scale: int = 1, seed: int = 7) -> list[Path]:
    """Write the landing files for ``scale`` times the shipped sample into ``out``."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    rng = random.Random(seed)  # noqa: S311 -- reproducible sample data, not secrets
    customers = CUSTOMERS * scale
    written = [out / "customers" / "customers.csv"]
    _write(written[0], _customers(rng, customers))
    for day in range(DAYS):
        path = out / "orders" / f"orders_{(START + timedelta(days=day)).isoformat()}.csv"
        _write(path, _orders(rng, customers, day, ORDERS_PER_DAY * scale))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="times the shipped sample (1)")
    parser.add_argument("--out", type=Path, default=Path("data/landing"), help="landing folder")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for path in write_sample(args.out, args.scale, args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Write an amplified copy of the SaudiNewsNet dump, for measuring growth at 10× the corpus.

    python bench/amplify.py --times 10 --output /tmp/saudinewsnet-10x.jsonl.gz

Copy k (0 … times-1) of each record gets its own URL (``/copy-k`` appended to
the path, so its id changes) and its date moved k × 35 days later, so copies
are neither near-duplicates (those must be within 3 days) nor one story (14
days). The text is unchanged: the vocabulary grows as it would with more of
the same outlets, not with new words.
"""

from __future__ import annotations

import argparse
import gzip
from datetime import timedelta
from pathlib import Path

import orjson

from khabar.dates import RIYADH, parse_datetime

ROOT = Path(__file__).resolve().parent.parent
DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--dump", type=Path, default=DUMP)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    records = [orjson.loads(line) for line in gzip.open(args.dump)]
    written = 0
    with gzip.open(args.output, "wb", compresslevel=3) as out:
        for k in range(args.times):
            for record in records:
                copy = dict(record)
                copy["id"] = f"{record['id']}-{k}"
                copy["url"] = record["url"].rstrip("/") + f"/copy-{k}"
                moment = parse_datetime(record["date_extracted"], RIYADH)
                if moment is not None:
                    shifted = (moment + timedelta(days=35 * k)).astimezone(RIYADH)
                    copy["date_extracted"] = shifted.strftime("%Y-%m-%d %H:%M:%S")
                out.write(orjson.dumps(copy) + b"\n")
                written += 1
    print(f"wrote {written:,} records to {args.output}")


if __name__ == "__main__":
    main()

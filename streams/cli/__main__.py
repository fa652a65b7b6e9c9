"""``python -m streams.cli``: how ``newsflow run`` starts its workers."""

import sys

from streams.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

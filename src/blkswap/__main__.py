"""``python -m blkswap`` — same as the ``blkswap`` console script."""

from blkswap.cli import main

raise SystemExit(main())

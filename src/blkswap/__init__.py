"""blkswap — a byte-exact laboratory for the Xen PV block data path.

Guests run a Linux-like blkfront, dom0 runs a tapdisk-like backend, and every byte moves through
grant tables and rings laid out as Xen's public headers say. See ``docs/`` and the README.
"""

__version__ = "0.1.0"

"""blkswap.xen"""

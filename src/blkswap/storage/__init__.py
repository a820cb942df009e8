"""blkswap.storage"""

"""blkswap.front"""

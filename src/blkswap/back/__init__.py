"""blkswap.back"""

"""blkswap.check"""

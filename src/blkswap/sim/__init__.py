"""blkswap.sim"""

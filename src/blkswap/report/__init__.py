"""blkswap.report"""

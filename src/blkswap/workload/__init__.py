"""blkswap.workload"""

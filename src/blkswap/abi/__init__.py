"""blkswap.abi"""

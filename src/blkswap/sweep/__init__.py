"""blkswap.sweep"""

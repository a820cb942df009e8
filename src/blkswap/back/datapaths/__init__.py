"""blkswap.back.datapaths"""

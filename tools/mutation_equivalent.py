"""The surviving mutants of tools/mutation.py that no test can kill, each with the reason."""

#: "module:line operator #occurrence" -> why no test can tell the mutant from the original
EQUIVALENT: dict[str, str] = {
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Sub #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Mul #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_FloorDiv #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Mod #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_Pow #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_RShift #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_LShift #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_BitAnd #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Mul #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Div #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_FloorDiv #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Mod #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_Pow #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_RShift #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceBinaryOperator_BitAnd_LShift #1": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:137 core/ReplaceOrWithAnd #7": (
        "subsumed by the P2M/M2P test below it: a frame in a live domain's P2M is owned by it and is never SHARED or DYING (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_swap.py:99 core/ReplaceComparisonOperator_Is_Eq #0": (
        "Domain objects compare by identity: == is is"
    ),
    "src/blkswap/xen/ops_swap.py:141 core/NumberReplacer #40": (
        "callers test the result with < 0: -2 is -1"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "GTF_type_mask, GTF_sub_page, GTF_readonly are disjoint bits: ^ is |"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "disjoint bits: ^ is |"
    ),
    "src/blkswap/xen/ops_swap.py:85 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "GNTST codes are 0 or negative: >= 0 is == 0"
    ),
    "src/blkswap/xen/ops_swap.py:105 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "both sides are small ints (one object each in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_swap.py:138 core/NumberReplacer #36": (
        "callers test the result with < 0: -2 is -1"
    ),
    "src/blkswap/xen/ops_swap.py:141 core/ReplaceUnaryOperator_USub_Invert #1": (
        "callers test the result with < 0: ~1 (-2) is -1"
    ),
    "src/blkswap/xen/multicall.py:59 core/ReplaceComparisonOperator_Eq_Is #0": (
        "13 is a small int (one object in CPython) and op is checked to be an int: is == =="
    ),
    "src/blkswap/xen/multicall.py:67 core/ReplaceComparisonOperator_Is_Eq #0": (
        "type objects compare by identity: type(rc) == int is type(rc) is int"
    ),
    "src/blkswap/xen/multicall.py:46 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "type objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/multicall.py:57 core/ReplaceComparisonOperator_IsNot_NotEq #1": (
        "type objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/multicall.py:28 core/ReplaceTrueWithFalse #0": (
        "slots only changes memory layout and forbids new attributes; no code path adds one"
    ),
    "src/blkswap/back/indirect.py:30 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one, XSA-316): < 0 is != 0"
    ),
    "src/blkswap/back/indirect.py:30 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_map.py:179 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "kinds are 0/1; for a LOCAL alias at new_addr no live handle has va == new_addr, so the loop finds nothing"
    ),
    "src/blkswap/xen/ops_map.py:179 core/ReplaceComparisonOperator_Eq_Is #1": (
        "GRANT is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/xen/ops_map.py:184 core/ReplaceComparisonOperator_GtE_Gt #2": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, > 0 is >= 0"
    ),
    "src/blkswap/xen/ops_map.py:184 core/NumberReplacer #80": (
        "mfn 0 is RESERVED in the arena: >= 1 is >= 0"
    ),
    "src/blkswap/xen/ops_map.py:39 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "_HOST, _DEV, _RO are disjoint bits (2, 1, 4): + and ^ give 7 like |"
    ),
    "src/blkswap/xen/ops_map.py:39 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "disjoint bits: 2 | (1 + 4) == 7"
    ),
    "src/blkswap/xen/ops_map.py:39 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "disjoint bits: (2 ^ 1) | 4 == 7"
    ),
    "src/blkswap/xen/ops_map.py:39 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "disjoint bits: 2 | (1 ^ 4) == 7"
    ),
    "src/blkswap/xen/ops_map.py:59 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "disjoint bits: 2 + 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:159 core/ReplaceBinaryOperator_BitOr_Add #3": (
        "disjoint bits: 2 + 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:159 core/ReplaceBinaryOperator_BitOr_BitXor #3": (
        "disjoint bits: 2 ^ 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_map.py:160 core/ReplaceBinaryOperator_BitOr_Add #4": (
        "drop holds only host/device bits, never RO: + == |"
    ),
    "src/blkswap/xen/ops_map.py:160 core/ReplaceBinaryOperator_BitOr_BitXor #4": (
        "drop holds only host/device bits, never RO: ^ == |"
    ),
    "src/blkswap/xen/ops_map.py:160 core/ReplaceBinaryOperator_BitOr_Sub #4": (
        "drop < 4, so drop - 4 has bit 2 set and the same low bits: pin_increment reads only bits 0-2"
    ),
    "src/blkswap/xen/ops_map.py:179 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "vmap kinds are GRANT 0 and LOCAL 1: <= 0 is == 0"
    ),
    "src/blkswap/xen/ops_map.py:146 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "vmap kinds are 0 and 1: > 0 is != 0"
    ),
    "src/blkswap/xen/ops_map.py:146 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "GRANT is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_map.py:146 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "a LOCAL alias maps one of the mapper's own frames, never the foreign frame of the handle: the mfn test already refuses it"
    ),
    "src/blkswap/xen/ops_map.py:146 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "the PTE's frame and act_mfn are the same int object (map stores pin_entry's act_mfn[ref])"
    ),
    "src/blkswap/xen/ops_map.py:74 core/ReplaceComparisonOperator_Lt_LtE #1": (
        "mfn 0 is RESERVED in the arena: pin_entry never returns 0"
    ),
    "src/blkswap/xen/ops_map.py:74 core/NumberReplacer #24": (
        "mfn 0 is RESERVED in the arena: mfn < 1 is mfn < 0"
    ),
    "src/blkswap/xen/ops_map.py:117 core/ReplaceFalseWithTrue #1": (
        "replace=True with new_addr 0 takes the plain-unmap branch"
    ),
    "src/blkswap/xen/ops_map.py:117 core/NumberReplacer #50": (
        "new_addr is read only when replace is True"
    ),
    "src/blkswap/xen/ops_map.py:117 core/NumberReplacer #51": (
        "new_addr is read only when replace is True"
    ),
    "src/blkswap/xen/ops_map.py:59 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "disjoint bits: 2 ^ 1 == 2 | 1"
    ),
    "src/blkswap/xen/ops_swap.py:85 core/ReplaceComparisonOperator_Eq_Is #1": (
        "GNTST_okay is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/xen/ops_swap.py:138 core/ReplaceUnaryOperator_USub_Invert #0": (
        "callers test the result with < 0: ~1 (-2) is -1"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "GTF_type_mask 3, GTF_sub_page 256, GTF_readonly 4 are disjoint bits: + is |"
    ),
    "src/blkswap/xen/ops_swap.py:50 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "disjoint bits: + is |"
    ),
    "src/blkswap/xen/ops_swap.py:140 core/NumberReplacer #39": (
        "gfn -1 gets past gfn < -1 but is returned as -1 (p2m[-1] matching or not): callers test < 0"
    ),
    "src/blkswap/back/caps.py:38 core/ReplaceTrueWithFalse #1": (
        "frozen=True already refuses every attribute set: slots only changes the memory layout"
    ),
    "src/blkswap/back/caps.py:68 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "both sides are bools (two singletons): is not == !="
    ),
    "src/blkswap/xen/grant_table.py:25 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "the host is little-endian (the module refuses to load otherwise): 'little' is neither > nor < 'little'"
    ),
    "src/blkswap/xen/grant_table.py:25 core/ReplaceComparisonOperator_NotEq_Is #0": (
        "sys.byteorder is not the literal's str object: is gives False like != on a little-endian host"
    ),
    "src/blkswap/xen/grant_table.py:25 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "the host is little-endian (the module refuses to load otherwise): 'little' is neither > nor < 'little'"
    ),
    "src/blkswap/xen/grant_table.py:38 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "0xFF and 0xFF << 16 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:38 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "0xFF and 0xFF << 16 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:41 core/NumberReplacer #22": (
        "the retry bound is reached only if the entry changes between the read and the compare; in one process no granter runs in between (a racing granter needs a second process on the arena)"
    ),
    "src/blkswap/xen/grant_table.py:41 core/NumberReplacer #23": (
        "the retry bound is reached only if the entry changes between the read and the compare; in one process no granter runs in between (a racing granter needs a second process on the arena)"
    ),
    "src/blkswap/xen/grant_table.py:43 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "GTF_type_mask 3 and GTF_sub_page 256 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:43 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "GTF_type_mask 3 and GTF_sub_page 256 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:48 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "a frame a domain owns carries no flag but SHARED (2) and DYING (4) (RESERVED frames have no owner): 2+4, 2^4 and 2-4 = -2 test the same bits of such flags as 2|4"
    ),
    "src/blkswap/xen/grant_table.py:48 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "a frame a domain owns carries no flag but SHARED (2) and DYING (4) (RESERVED frames have no owner): 2+4, 2^4 and 2-4 = -2 test the same bits of such flags as 2|4"
    ),
    "src/blkswap/xen/grant_table.py:48 core/ReplaceBinaryOperator_BitOr_Sub #2": (
        "a frame a domain owns carries no flag but SHARED (2) and DYING (4) (RESERVED frames have no owner): 2+4, 2^4 and 2-4 = -2 test the same bits of such flags as 2|4"
    ),
    "src/blkswap/xen/grant_table.py:69 core/NumberReplacer #27": (
        "grow adds len(frames)*512 - nr_entries entries: nr_entries ends at 512 either way and the lists get one slot no ref reaches"
    ),
    "src/blkswap/xen/grant_table.py:82 core/ReplaceBinaryOperator_BitOr_Add #3": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:82 core/ReplaceBinaryOperator_BitOr_BitXor #3": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:86 core/ReplaceBinaryOperator_BitOr_Add #4": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:86 core/ReplaceBinaryOperator_BitOr_BitXor #4": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:88 core/ReplaceBinaryOperator_Add_BitOr #0": (
        "entries are 8-byte aligned: off >> 1 and off >> 2 are even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:88 core/ReplaceBinaryOperator_Add_BitOr #1": (
        "entries are 8-byte aligned: off >> 1 and off >> 2 are even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:88 core/ReplaceBinaryOperator_Add_BitXor #0": (
        "entries are 8-byte aligned: off >> 1 and off >> 2 are even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:88 core/ReplaceBinaryOperator_Add_BitXor #1": (
        "entries are 8-byte aligned: off >> 1 and off >> 2 are even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:92 core/ReplaceBinaryOperator_BitOr_Add #5": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:92 core/ReplaceBinaryOperator_BitOr_BitXor #5": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:93 core/ReplaceBinaryOperator_Add_BitOr #2": (
        "entries are 8-byte aligned: off >> 1 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:93 core/ReplaceBinaryOperator_Add_BitXor #2": (
        "entries are 8-byte aligned: off >> 1 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:94 core/ReplaceBinaryOperator_Add_BitOr #3": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:94 core/ReplaceBinaryOperator_Add_BitXor #3": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:98 core/ReplaceBinaryOperator_BitOr_Add #6": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:98 core/ReplaceBinaryOperator_BitOr_BitXor #6": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:101 core/ReplaceBinaryOperator_BitOr_Add #7": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:101 core/ReplaceBinaryOperator_BitOr_BitXor #7": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:104 core/ReplaceBinaryOperator_Add_BitOr #4": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:104 core/ReplaceBinaryOperator_Add_BitXor #4": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:104 core/ReplaceBinaryOperator_BitOr_Add #8": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:104 core/ReplaceBinaryOperator_BitOr_BitXor #8": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:112 core/NumberReplacer #96": (
        "act_domid[ref] is written by the first pin before anything reads it (reads need pin != 0)"
    ),
    "src/blkswap/xen/grant_table.py:112 core/NumberReplacer #97": (
        "act_domid[ref] is written by the first pin before anything reads it (reads need pin != 0)"
    ),
    "src/blkswap/xen/grant_table.py:113 core/NumberReplacer #98": (
        "act_mfn[ref] is written by the first pin before anything reads it (reads need pin != 0)"
    ),
    "src/blkswap/xen/grant_table.py:113 core/NumberReplacer #99": (
        "act_mfn[ref] is written by the first pin before anything reads it (reads need pin != 0)"
    ),
    "src/blkswap/xen/grant_table.py:125 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "act_domid[ref] holds the very int object the pinning domain passed (its domid); another domain's domid differs in value"
    ),
    "src/blkswap/xen/grant_table.py:127 core/ReplaceBinaryOperator_BitOr_Add #9": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:127 core/ReplaceBinaryOperator_BitOr_BitXor #9": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:134 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "the masked flags equal 1 only as the cached small int 1: is not == !="
    ),
    "src/blkswap/xen/grant_table.py:135 core/ReplaceBinaryOperator_Add_BitOr #5": (
        "entries are 8-byte aligned: i16 = off >> 1 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:135 core/ReplaceBinaryOperator_Add_BitXor #5": (
        "entries are 8-byte aligned: i16 = off >> 1 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:140 core/ReplaceBinaryOperator_Add_BitOr #6": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:140 core/ReplaceBinaryOperator_Add_BitXor #6": (
        "entries are 8-byte aligned: off >> 2 is even, so + 1 is | 1 and ^ 1"
    ),
    "src/blkswap/xen/grant_table.py:146 core/ReplaceBinaryOperator_BitAnd_Div #14": (
        "a frame its granter owns carries only SHARED/DYING, never RESERVED: on 0 every operator gives 0 and on 2, 4, 6 a non-zero value, like &"
    ),
    "src/blkswap/xen/grant_table.py:146 core/ReplaceBinaryOperator_BitAnd_LShift #14": (
        "a frame its granter owns carries only SHARED/DYING, never RESERVED: on 0 every operator gives 0 and on 2, 4, 6 a non-zero value, like &"
    ),
    "src/blkswap/xen/grant_table.py:146 core/ReplaceBinaryOperator_BitAnd_Mod #14": (
        "a frame its granter owns carries only SHARED/DYING, never RESERVED: on 0 every operator gives 0 and on 2, 4, 6 a non-zero value, like &"
    ),
    "src/blkswap/xen/grant_table.py:146 core/ReplaceBinaryOperator_BitAnd_Mul #14": (
        "a frame its granter owns carries only SHARED/DYING, never RESERVED: on 0 every operator gives 0 and on 2, 4, 6 a non-zero value, like &"
    ),
    "src/blkswap/xen/grant_table.py:146 core/ReplaceBinaryOperator_BitAnd_Pow #14": (
        "a frame its granter owns carries only SHARED/DYING, never RESERVED: on 0 every operator gives 0 and on 2, 4, 6 a non-zero value, like &"
    ),
    "src/blkswap/xen/grant_table.py:150 core/ReplaceBinaryOperator_BitOr_Add #11": (
        "GTF_reading 8 and GTF_writing 16 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:150 core/ReplaceBinaryOperator_BitOr_BitXor #11": (
        "GTF_reading 8 and GTF_writing 16 are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:168 core/ReplaceBinaryOperator_BitOr_Add #12": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:168 core/ReplaceBinaryOperator_BitOr_BitXor #12": (
        "frame << 12 and the in-page offset (< 4096) are disjoint bits: + and ^ are |"
    ),
    "src/blkswap/xen/grant_table.py:212 core/ReplaceComparisonOperator_GtE_Eq #1": (
        "n grows from 0 by MAPTRACK_PER_FRAME and stops at the limit: it reaches it exactly, so == is >="
    ),
    "src/blkswap/xen/grant_table.py:213 core/NumberReplacer #134": (
        "callers test the handle with < 0: -2 is -1"
    ),
    "src/blkswap/xen/grant_table.py:213 core/ReplaceUnaryOperator_USub_Invert #0": (
        "callers test the handle with < 0: -2 is -1"
    ),
    "src/blkswap/xen/grant_table.py:216 core/NumberReplacer #138": (
        "ref is read only for live handles, and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:216 core/NumberReplacer #139": (
        "ref is read only for live handles, and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:218 core/NumberReplacer #140": (
        "va is read only for live handles (lifecycle, audit, unmap_and_replace), and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:218 core/NumberReplacer #141": (
        "va is read only for live handles (lifecycle, audit, unmap_and_replace), and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:226 core/NumberReplacer #146": (
        "va is read only for live handles, and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:226 core/NumberReplacer #147": (
        "va is read only for live handles, and every map writes it first"
    ),
    "src/blkswap/xen/grant_table.py:145 core/ReplaceComparisonOperator_NotEq_IsNot #4": (
        "arena.owner[mfn] holds the owning domain's own domid object (set at allocation from d.domid), the same object as self.domid"
    ),
    "src/blkswap/xen/grant_table.py:186 core/ReplaceComparisonOperator_NotEq_Gt #5": (
        "owners are domids (>= 0) or FREE (-1): > and >= FREE are != FREE"
    ),
    "src/blkswap/xen/grant_table.py:186 core/ReplaceComparisonOperator_NotEq_GtE #5": (
        "owners are domids (>= 0) or FREE (-1): > and >= FREE are != FREE"
    ),
    "src/blkswap/xen/grant_table.py:186 core/ReplaceComparisonOperator_NotEq_IsNot #5": (
        "FREE is the small int -1 (one object in CPython): is not == !="
    ),
    "src/blkswap/xen/domain.py:54 core/NumberReplacer #6": (
        "holes are tested with < 0 everywhere: -2 is -1"
    ),
    "src/blkswap/xen/domain.py:54 core/ReplaceUnaryOperator_USub_Invert #0": (
        "holes are tested with < 0 everywhere: -2 is -1"
    ),
    "src/blkswap/xen/domain.py:85 core/NumberReplacer #12": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_Gt #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_Is #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_IsNot #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_Lt #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_Eq_NotEq #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:85 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/NumberReplacer #14": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/NumberReplacer #15": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/ReplaceUnaryOperator_Delete_USub #1": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/ReplaceUnaryOperator_USub_Invert #1": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/ReplaceUnaryOperator_USub_Not #1": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:86 core/ReplaceUnaryOperator_USub_UAdd #1": (
        "the one caller that replaces a populated entry (depopulate) frees the old frame right after, and Arena.release sets its M2P entry to -1 anyway"
    ),
    "src/blkswap/xen/domain.py:88 core/NumberReplacer #16": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so >= 1 and > 0 are >= 0"
    ),
    "src/blkswap/xen/domain.py:88 core/ReplaceComparisonOperator_GtE_Gt #1": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so >= 1 and > 0 are >= 0"
    ),
    "src/blkswap/xen/domain.py:194 core/ReplaceBinaryOperator_Add_BitOr #0": (
        "mfn << 12 and the in-page offset (< 4096, _check_span) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:194 core/ReplaceBinaryOperator_Add_BitXor #0": (
        "mfn << 12 and the in-page offset (< 4096, _check_span) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:200 core/ReplaceBinaryOperator_Add_BitOr #2": (
        "mfn << 12 and the in-page offset (< 4096, _check_span) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:200 core/ReplaceBinaryOperator_Add_BitXor #2": (
        "mfn << 12 and the in-page offset (< 4096, _check_span) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:207 core/ReplaceComparisonOperator_Gt_NotEq #0": (
        "length falls by n = min(length, ...) each turn and reaches 0 exactly: != 0 is > 0"
    ),
    "src/blkswap/xen/domain.py:210 core/ReplaceBinaryOperator_Add_BitOr #4": (
        "mfn << 12 and the in-page offset (va & 4095) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:210 core/ReplaceBinaryOperator_Add_BitXor #4": (
        "mfn << 12 and the in-page offset (va & 4095) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:223 core/ReplaceComparisonOperator_Lt_NotEq #5": (
        "pos grows by n = min(len - pos, ...) and reaches len exactly: != is <"
    ),
    "src/blkswap/xen/domain.py:226 core/ReplaceBinaryOperator_Add_BitOr #6": (
        "mfn << 12 and the in-page offset (va & 4095) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:226 core/ReplaceBinaryOperator_Add_BitXor #6": (
        "mfn << 12 and the in-page offset (va & 4095) are disjoint bits: | and ^ are +"
    ),
    "src/blkswap/xen/domain.py:244 core/NumberReplacer #50": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so < 1 and <= 0 are < 0"
    ),
    "src/blkswap/xen/domain.py:244 core/ReplaceComparisonOperator_Lt_LtE #7": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so < 1 and <= 0 are < 0"
    ),
    "src/blkswap/xen/domain.py:244 core/ReplaceComparisonOperator_Lt_NotEq #7": (
        "for a plain own page _va_mfn resolves the same frame the fast path read (or raises the same error)"
    ),
    "src/blkswap/xen/domain.py:245 core/ReplaceFalseWithTrue #1": (
        "this path serves own memory (vpn not in vmap): the write flag only matters for a read-only mapping"
    ),
    "src/blkswap/xen/domain.py:252 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "vmap kinds are GRANT 0 and LOCAL 1 (small ints): < 1 and is not are != 1"
    ),
    "src/blkswap/xen/domain.py:252 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "vmap kinds are GRANT 0 and LOCAL 1 (small ints): < 1 and is not are != 1"
    ),
    "src/blkswap/xen/arena.py:39 core/NumberReplacer #5": (
        "POISON is one 8-byte word: the array has a single element, [-1] and [0] are the same"
    ),
    "src/blkswap/xen/arena.py:103 core/ReplaceComparisonOperator_Eq_Is #0": (
        "FREE is the small int -1 and owners are domids >= 0 or -1: is and <= are =="
    ),
    "src/blkswap/xen/arena.py:103 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "FREE is the small int -1 and owners are domids >= 0 or -1: is and <= are =="
    ),
    "src/blkswap/xen/arena.py:105 core/ReplaceBinaryOperator_BitAnd_FloorDiv #0": (
        "frame flags hold only bits 0-2 (RESERVED, SHARED, DYING): // 4 is & 4"
    ),
    "src/blkswap/xen/audit.py:50 core/NumberReplacer #0": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so < 1 and <= 0 are < 0"
    ),
    "src/blkswap/xen/audit.py:50 core/ReplaceComparisonOperator_Lt_LtE #0": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so < 1 and <= 0 are < 0"
    ),
    "src/blkswap/xen/audit.py:57 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "owner entries hold the owning domain's own domid object (set at allocation from d.domid)"
    ),
    "src/blkswap/xen/audit.py:63 core/NumberReplacer #4": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so >= 1, > 0 and != 0 count the same populated gfns as >= 0 (holes are -1)"
    ),
    "src/blkswap/xen/audit.py:63 core/ReplaceComparisonOperator_GtE_Gt #0": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so >= 1, > 0 and != 0 count the same populated gfns as >= 0 (holes are -1)"
    ),
    "src/blkswap/xen/audit.py:63 core/ReplaceComparisonOperator_GtE_NotEq #0": (
        "mfn 0 is RESERVED in the arena: no gfn maps to it, so >= 1, > 0 and != 0 count the same populated gfns as >= 0 (holes are -1)"
    ),
    "src/blkswap/xen/audit.py:72 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "owners are domids >= 0 or FREE -1: <= FREE is == FREE"
    ),
    "src/blkswap/xen/audit.py:73 core/ReplaceBinaryOperator_BitAnd_FloorDiv #0": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1 (0 // 0 and 1 // 0 give 0)"
    ),
    "src/blkswap/xen/audit.py:73 core/ReplaceBinaryOperator_BitAnd_Mul #0": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1 (0 // 0 and 1 // 0 give 0)"
    ),
    "src/blkswap/xen/audit.py:75 core/ReplaceBinaryOperator_BitAnd_FloorDiv #1": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1 (0 // 0 and 1 // 0 give 0)"
    ),
    "src/blkswap/xen/audit.py:75 core/ReplaceBinaryOperator_BitAnd_Mul #1": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1 (0 // 0 and 1 // 0 give 0)"
    ),
    "src/blkswap/xen/audit.py:75 core/ReplaceComparisonOperator_NotEq_Gt #3": (
        "M2P entries are gfns >= 0 or -1: > -1 is != -1"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitAnd_Div #3": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitAnd_FloorDiv #2": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitAnd_Mod #3": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitAnd_Mul #2": (
        "boolean arrays: * is &, and // gives 1 only for 1 // 1"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitAnd_Mul #3": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_FloorDiv #1": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_Mul #1": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_Mul #2": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceBinaryOperator_BitOr_Pow #1": (
        "frame flags hold only RESERVED 1, SHARED 2, DYING 4, never all three, and RESERVED only on mfn 0 which is never owned: every variant of the mask test selects the same owned frames"
    ),
    "src/blkswap/xen/audit.py:77 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "flags & 7 is >= 0: <= 0 is == 0"
    ),
    "src/blkswap/xen/audit.py:101 core/ReplaceComparisonOperator_Eq_Is #1": (
        "vmap kinds are GRANT 0 and LOCAL 1 (small ints): is and <= 0 are == 0"
    ),
    "src/blkswap/xen/audit.py:101 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "vmap kinds are GRANT 0 and LOCAL 1 (small ints): is and <= 0 are == 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:103 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "accessed grows one path at a time from 0 and the check comes before each add: it reaches the limit exactly, so == is >="
    ),
    "src/blkswap/xen/xenstore_tree.py:155 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "every path but the root is longer than '/' and starts with it (> '/'); one-character strings are cached objects in CPython"
    ),
    "src/blkswap/xen/xenstore_tree.py:155 core/ReplaceComparisonOperator_NotEq_GtE #1": (
        "one more turn at the root: parent_of('/') is '/', which exists, and the loop stops there with the same answer"
    ),
    "src/blkswap/xen/xenstore_tree.py:155 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "every path but the root is longer than '/' and starts with it (> '/'); one-character strings are cached objects in CPython"
    ),
    "src/blkswap/xen/xenstore_tree.py:184 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:184 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:192 core/ReplaceComparisonOperator_NotEq_Gt #3": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:192 core/ReplaceComparisonOperator_NotEq_IsNot #3": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:194 core/ReplaceComparisonOperator_Gt_NotEq #1": (
        "i runs from len(chain) - 1 down to 0: != 0 is > 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:195 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "i runs from len(chain) - 1 down to 0: <= 0 is == 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:222 core/ReplaceComparisonOperator_Eq_Is #0": (
        "paths are normalised and start with '/': only '/' itself is <= '/', and one-character strings are cached objects in CPython"
    ),
    "src/blkswap/xen/xenstore_tree.py:222 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "paths are normalised and start with '/': only '/' itself is <= '/', and one-character strings are cached objects in CPython"
    ),
    "src/blkswap/xen/xenstore_tree.py:227 core/ReplaceComparisonOperator_Eq_GtE #2": (
        "_missing answers only 'EACCES' or 'ENOENT' (interned literals): >= 'ENOENT' and is are == for those two"
    ),
    "src/blkswap/xen/xenstore_tree.py:227 core/ReplaceComparisonOperator_Eq_Is #1": (
        "_missing answers only 'EACCES' or 'ENOENT' (interned literals): >= 'ENOENT' and is are == for those two"
    ),
    "src/blkswap/xen/xenstore_tree.py:253 core/ReplaceComparisonOperator_NotEq_Gt #5": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/xenstore_tree.py:253 core/ReplaceComparisonOperator_NotEq_IsNot #5": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/ops_copy.py:60 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:60 core/ReplaceComparisonOperator_Eq_Is #0": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:63 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:63 core/ReplaceComparisonOperator_Eq_Is #1": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:66 core/ReplaceComparisonOperator_Eq_GtE #2": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:66 core/ReplaceComparisonOperator_Eq_Is #2": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:68 core/ReplaceComparisonOperator_Eq_GtE #3": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:68 core/ReplaceComparisonOperator_Eq_Is #3": (
        "GNTST_okay is the cached small int 0 and statuses are <= 0: is and >= are =="
    ),
    "src/blkswap/xen/ops_copy.py:69 core/ReplaceBinaryOperator_Add_BitOr #2": (
        "mfn << 12 and soff (< 4096: soff + len <= 4096 was checked) are disjoint bits"
    ),
    "src/blkswap/xen/ops_copy.py:69 core/ReplaceBinaryOperator_Add_BitXor #2": (
        "mfn << 12 and soff (< 4096: soff + len <= 4096 was checked) are disjoint bits"
    ),
    "src/blkswap/xen/ops_copy.py:70 core/ReplaceBinaryOperator_Add_BitOr #3": (
        "mfn << 12 and doff (< 4096: doff + len <= 4096 was checked) are disjoint bits"
    ),
    "src/blkswap/xen/ops_copy.py:70 core/ReplaceBinaryOperator_Add_BitXor #3": (
        "mfn << 12 and doff (< 4096: doff + len <= 4096 was checked) are disjoint bits"
    ),
    "src/blkswap/xen/ops_copy.py:125 core/NumberReplacer #22": (
        "mfn 0 is RESERVED in the arena: pin_entry never returns 0"
    ),
    "src/blkswap/xen/ops_copy.py:125 core/ReplaceComparisonOperator_Lt_LtE #0": (
        "mfn 0 is RESERVED in the arena: pin_entry never returns 0"
    ),
    "src/blkswap/xen/ops_copy.py:130 core/ReplaceBinaryOperator_BitAnd_FloorDiv #5": (
        "frame flags hold only bits 0-2: // 4 is & 4"
    ),
    "src/blkswap/xen/ops_copy.py:130 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "owner entries hold the owning domain's own domid object (set at allocation from d.domid)"
    ),
    "src/blkswap/xen/ops_copy.py:132 core/NumberReplacer #30": (
        "ref and inc of a frame-number side are never read: _Buf.release unpins only when gt is set"
    ),
    "src/blkswap/xen/ops_copy.py:132 core/NumberReplacer #31": (
        "ref and inc of a frame-number side are never read: _Buf.release unpins only when gt is set"
    ),
    "src/blkswap/xen/ops_copy.py:132 core/NumberReplacer #32": (
        "ref and inc of a frame-number side are never read: _Buf.release unpins only when gt is set"
    ),
    "src/blkswap/xen/ops_copy.py:132 core/NumberReplacer #33": (
        "ref and inc of a frame-number side are never read: _Buf.release unpins only when gt is set"
    ),
    "src/blkswap/xen/emulated.py:19 core/AddNot #0": (
        "the names imported under TYPE_CHECKING import fine at run time too (no cycle at that point) and only annotations (strings) use them"
    ),
    "src/blkswap/xen/ops_common.py:61 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "an import-time consistency check of the ABI struct tables that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/xen/ops_common.py:61 core/ReplaceComparisonOperator_NotEq_Is #0": (
        "an import-time consistency check of the ABI struct tables that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/xen/ops_common.py:61 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "an import-time consistency check of the ABI struct tables that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/xen/counters.py:109 core/ReplaceTrueWithFalse #0": (
        "the slice always has len(GRANT_OPS) items: strict never fires"
    ),
    "src/blkswap/xen/counters.py:201 core/ReplaceTrueWithFalse #1": (
        "the slice always has len(GRANT_OPS) items: strict never fires"
    ),
    "src/blkswap/xen/counters.py:202 core/ReplaceTrueWithFalse #2": (
        "the slice always has len(GRANT_OPS) items: strict never fires"
    ),
    "src/blkswap/xen/gnttab_op.py:81 core/ReplaceComparisonOperator_Is_Eq #0": (
        "type objects compare by identity: == is is"
    ),
    "src/blkswap/xen/ops_table.py:36 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "Domain objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/ops_table.py:36 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/ops_table.py:36 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/ops_table.py:50 core/ReplaceComparisonOperator_Gt_GtE #1": (
        "growing to the current size or less adds no frame and answers okay (grow_grant_table takes max(need, 0))"
    ),
    "src/blkswap/xen/ops_table.py:50 core/ReplaceComparisonOperator_Gt_IsNot #1": (
        "growing to the current size or less adds no frame and answers okay (grow_grant_table takes max(need, 0))"
    ),
    "src/blkswap/xen/ops_table.py:50 core/ReplaceComparisonOperator_Gt_NotEq #1": (
        "growing to the current size or less adds no frame and answers okay (grow_grant_table takes max(need, 0))"
    ),
    "src/blkswap/xen/ops_table.py:52 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "GNTST codes are <= 0 and GNTST_okay is the cached small int 0: >= and is are =="
    ),
    "src/blkswap/xen/ops_table.py:52 core/ReplaceComparisonOperator_Eq_Is #0": (
        "GNTST codes are <= 0 and GNTST_okay is the cached small int 0: >= and is are =="
    ),
    "src/blkswap/xen/ops_table.py:77 core/ReplaceComparisonOperator_Gt_IsNot #2": (
        "version is 1 or 2 here (anything else returned -EINVAL above): != 1 is > 1"
    ),
    "src/blkswap/xen/ops_table.py:77 core/ReplaceComparisonOperator_Gt_NotEq #2": (
        "version is 1 or 2 here (anything else returned -EINVAL above): != 1 is > 1"
    ),
    "src/blkswap/xen/ops_table.py:88 core/ReplaceComparisonOperator_IsNot_NotEq #1": (
        "Domain objects compare by identity: != is is not"
    ),
    "src/blkswap/xen/ops_table.py:88 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/ops_table.py:88 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "domids are >= 0 and 0 is one cached int object: > 0 and is not 0 are != 0"
    ),
    "src/blkswap/xen/ops_table.py:98 core/ReplaceComparisonOperator_Gt_NotEq #3": (
        "nr_frames is unsigned (uint32 in the struct): != 0 is > 0"
    ),
    "src/blkswap/xen/port.py:94 core/RemoveDecorator #0": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:127 core/ReplaceTrueWithFalse #0": (
        "a default in a typing Protocol's signature: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:172 core/RemoveDecorator #1": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:219 core/RemoveDecorator #2": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:221 core/RemoveDecorator #3": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:223 core/RemoveDecorator #4": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:225 core/RemoveDecorator #5": (
        "a member of a typing Protocol: never called, every port defines its own"
    ),
    "src/blkswap/xen/port.py:265 core/ReplaceTrueWithFalse #1": (
        "a default in a typing Protocol's signature: never called, every port defines its own"
    ),
    # --- xen/linux/memory.py ---
    "src/blkswap/xen/linux/memory.py:22 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "MAP_PRIVATE (2) and MAP_ANONYMOUS (0x20) share no bit: + gives the same flags as |"
    ),
    "src/blkswap/xen/linux/memory.py:22 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "MAP_PRIVATE (2) and MAP_ANONYMOUS (0x20) share no bit: ^ gives the same flags as |"
    ),
    "src/blkswap/xen/linux/memory.py:22 core/ReplaceBinaryOperator_BitOr_Mod #0": (
        "2 % 0x20 = MAP_PRIVATE, and CPython's mmap adds MAP_ANONYMOUS itself for fd -1 (mmapmodule.c new_mmap_object): the same mapping"
    ),
    # --- xen/linux/devices.py ---
    "src/blkswap/xen/linux/devices.py:76 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: + gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:76 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: ^ gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:169 core/ReplaceBinaryOperator_BitOr_Add #4": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: + gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:169 core/ReplaceBinaryOperator_BitOr_BitXor #4": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: ^ gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:202 core/ReplaceBinaryOperator_BitOr_Add #6": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: + gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:202 core/ReplaceBinaryOperator_BitOr_Add #7": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: + gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:202 core/ReplaceBinaryOperator_BitOr_BitXor #6": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: ^ gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:202 core/ReplaceBinaryOperator_BitOr_BitXor #7": (
        "O_RDWR (2), O_NONBLOCK (0x800) and O_CLOEXEC (0x80000) share no bit: ^ gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/devices.py:102 core/NumberReplacer #18": (
        "a read-only mapping asks PROT_READ | 1 = PROT_READ (1): the same prot"
    ),
    "src/blkswap/xen/linux/devices.py:102 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "PROT_READ (1) and PROT_WRITE (2) share no bit: + gives the same prot as |"
    ),
    "src/blkswap/xen/linux/devices.py:102 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "PROT_READ (1) and PROT_WRITE (2) share no bit: ^ gives the same prot as |"
    ),
    "src/blkswap/xen/linux/devices.py:188 core/ReplaceBinaryOperator_BitOr_Add #5": (
        "PROT_READ (1) and PROT_WRITE (2) share no bit: + gives the same prot as |"
    ),
    "src/blkswap/xen/linux/devices.py:188 core/ReplaceBinaryOperator_BitOr_BitXor #5": (
        "PROT_READ (1) and PROT_WRITE (2) share no bit: ^ gives the same prot as |"
    ),
    "src/blkswap/xen/linux/devices.py:187 core/NumberReplacer #41": (
        "unpack_from of one u32 returns a 1-tuple: [-1] is [0]"
    ),
    "src/blkswap/xen/linux/devices.py:136 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "m was popped from stuck just before, so every other is a different GrantMapping with its own index: `is not` and the dataclass != are both always true"
    ),
    "src/blkswap/xen/linux/devices.py:253 core/ReplaceBinaryOperator_Sub_Add #0": (
        "/dev/xen/evtchn reads return whole ports only (evtchn_read truncates the count to a multiple of 4 and copies whole ports), so len(data) % 4 is 0 and the slice end is len(data) under + too"
    ),
    "src/blkswap/xen/linux/devices.py:253 core/ReplaceBinaryOperator_Sub_BitOr #0": (
        "/dev/xen/evtchn reads return whole ports only (evtchn_read truncates the count to a multiple of 4 and copies whole ports), so len(data) % 4 is 0 and the slice end is len(data) under | too"
    ),
    "src/blkswap/xen/linux/devices.py:253 core/ReplaceBinaryOperator_Sub_BitXor #0": (
        "/dev/xen/evtchn reads return whole ports only (evtchn_read truncates the count to a multiple of 4 and copies whole ports), so len(data) % 4 is 0 and the slice end is len(data) under ^ too"
    ),
    "src/blkswap/xen/linux/devices.py:253 core/ReplaceBinaryOperator_Sub_LShift #0": (
        "/dev/xen/evtchn reads return whole ports only (evtchn_read truncates the count to a multiple of 4 and copies whole ports), so len(data) % 4 is 0 and the slice end is len(data) under << too"
    ),
    "src/blkswap/xen/linux/devices.py:253 core/ReplaceBinaryOperator_Sub_RShift #0": (
        "/dev/xen/evtchn reads return whole ports only (evtchn_read truncates the count to a multiple of 4 and copies whole ports), so len(data) % 4 is 0 and the slice end is len(data) under >> too"
    ),
    # --- xen/linux/grants.py ---
    "src/blkswap/xen/linux/grants.py:75 core/ReplaceComparisonOperator_Eq_Is #0": (
        "cmd is 0, 1 or 5 here (other ops returned -ENOSYS above) and small ints are cached: `is` is =="
    ),
    "src/blkswap/xen/linux/grants.py:75 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "cmd is 0, 1 or 5 here (other ops returned -ENOSYS above) and small ints are cached: cmd <= 0 only for map"
    ),
    "src/blkswap/xen/linux/grants.py:77 core/ReplaceComparisonOperator_Eq_Is #1": (
        "cmd is 0, 1 or 5 here (other ops returned -ENOSYS above) and small ints are cached: `is` is =="
    ),
    "src/blkswap/xen/linux/grants.py:77 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "cmd is 0, 1 or 5 here (other ops returned -ENOSYS above) and small ints are cached: past the map test, cmd <= 1 only for unmap"
    ),
    "src/blkswap/xen/linux/grants.py:94 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "a group has at least one element: <= 1 is == 1"
    ),
    "src/blkswap/xen/linux/grants.py:95 core/NumberReplacer #21": (
        "the group has exactly one element here: elems[-1] is elems[0]"
    ),
    "src/blkswap/xen/linux/grants.py:95 core/NumberReplacer #22": (
        "_answer uses the page index only for GNTST_okay; an error answer ignores it"
    ),
    "src/blkswap/xen/linux/grants.py:95 core/NumberReplacer #23": (
        "_answer uses the page index only for GNTST_okay; an error answer ignores it"
    ),
    "src/blkswap/xen/linux/grants.py:97 core/ReplaceTrueWithFalse #0": (
        "refs is built from elems one for one: the lengths are always equal"
    ),
    "src/blkswap/xen/linux/grants.py:101 core/NumberReplacer #28": (
        "_answer uses the page index only for GNTST_okay; an error answer ignores it"
    ),
    "src/blkswap/xen/linux/grants.py:101 core/NumberReplacer #29": (
        "_answer uses the page index only for GNTST_okay; an error answer ignores it"
    ),
    "src/blkswap/xen/linux/grants.py:116 core/ReplaceComparisonOperator_Eq_GtE #3": (
        "_answer gets GNTST_okay (0) or GNTST_general_error (-1): >= 0 is == 0"
    ),
    "src/blkswap/xen/linux/grants.py:116 core/ReplaceComparisonOperator_Eq_Is #2": (
        "_answer gets the GNTST_okay object itself or general_error: `is` is =="
    ),
    "src/blkswap/xen/linux/grants.py:137 core/ReplaceComparisonOperator_Eq_LtE #4": (
        "a region's count of mapped pages is decremented once per page unmapped: never below 0"
    ),
    "src/blkswap/xen/linux/grants.py:166 core/NumberReplacer #64": (
        "the segment's status in: gntdev writes GNTST_okay into it before copying (gntdev_grant_copy_seg put_user) and it is not read when the ioctl fails"
    ),
    "src/blkswap/xen/linux/grants.py:166 core/NumberReplacer #65": (
        "the segment's status in: gntdev writes GNTST_okay into it before copying (gntdev_grant_copy_seg put_user) and it is not read when the ioctl fails"
    ),
    "src/blkswap/xen/linux/grants.py:170 core/ReplaceComparisonOperator_Eq_GtE #5": (
        "GNTST_* statuses are all <= 0: >= okay is == okay"
    ),
    "src/blkswap/xen/linux/grants.py:170 core/ReplaceComparisonOperator_Eq_Is #3": (
        "_precheck returns the GNTST_okay object itself or another status: `is` is =="
    ),
    "src/blkswap/xen/linux/grants.py:175 core/ReplaceComparisonOperator_Eq_GtE #6": (
        "GNTST_* statuses (from Xen through gntdev) are all <= 0: >= okay is == okay"
    ),
    "src/blkswap/xen/linux/grants.py:175 core/ReplaceComparisonOperator_Eq_Is #4": (
        "statuses are int16 values, small ints CPython caches: `is` 0 is == 0"
    ),
    "src/blkswap/xen/linux/grants.py:184 core/ReplaceComparisonOperator_Eq_LtE #7": (
        "n is a list length: never below 0"
    ),
    "src/blkswap/xen/linux/grants.py:202 core/ReplaceComparisonOperator_Eq_LtE #8": (
        "len is a uint16 field: never below 0"
    ),
    "src/blkswap/xen/linux/grants.py:215 core/ReplaceBinaryOperator_Add_BitOr #4": (
        "frame addresses are page aligned and doff + len <= 4096 was checked just above: | is +"
    ),
    "src/blkswap/xen/linux/grants.py:215 core/ReplaceBinaryOperator_Add_BitXor #4": (
        "frame addresses are page aligned and doff + len <= 4096 was checked just above: ^ is +"
    ),
    "src/blkswap/xen/linux/grants.py:215 core/ReplaceBinaryOperator_Add_BitOr #5": (
        "frame addresses are page aligned and soff + len <= 4096 was checked just above: | is +"
    ),
    "src/blkswap/xen/linux/grants.py:215 core/ReplaceBinaryOperator_Add_BitXor #5": (
        "frame addresses are page aligned and soff + len <= 4096 was checked just above: ^ is +"
    ),
    "src/blkswap/xen/linux/grants.py:229 core/ReplaceBinaryOperator_Add_BitOr #6": (
        "frame addresses are page aligned and _precheck sent only offsets + len <= 4096: | is +"
    ),
    "src/blkswap/xen/linux/grants.py:229 core/ReplaceBinaryOperator_Add_BitXor #6": (
        "frame addresses are page aligned and _precheck sent only offsets + len <= 4096: ^ is +"
    ),
    # --- xen/linux/port.py ---
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "PROT_READ (1), PROT_WRITE (2) and PROT_EXEC (4) share no bit: + gives the same prot as |"
    ),
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "PROT_READ (1), PROT_WRITE (2) and PROT_EXEC (4) share no bit: + gives the same prot as |"
    ),
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "PROT_READ (1), PROT_WRITE (2) and PROT_EXEC (4) share no bit: ^ gives the same prot as |"
    ),
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "PROT_READ (1), PROT_WRITE (2) and PROT_EXEC (4) share no bit: ^ gives the same prot as |"
    ),
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_Sub #0": (
        "the prot becomes -1, which Linux maps as rwx (the unknown bits are ignored): the same page protection"
    ),
    "src/blkswap/xen/linux/port.py:47 core/ReplaceBinaryOperator_BitOr_Sub #1": (
        "the prot becomes -1, which Linux maps as rwx (the unknown bits are ignored): the same page protection"
    ),
    "src/blkswap/xen/linux/port.py:54 core/ReplaceAndWithOr #0": (
        "os.sched_yield() returns None: None and None is None or None"
    ),
    "src/blkswap/xen/linux/port.py:115 core/NumberReplacer #20": (
        "op() is None only for notify/unbind, whose value evtchn_send/evtchn_close drop; a bound port is never 0 (Xen reserves port 0)"
    ),
    "src/blkswap/xen/linux/port.py:115 core/NumberReplacer #21": (
        "op() is None only for notify/unbind, whose value evtchn_send/evtchn_close drop; a bound port is never 0 (Xen reserves port 0)"
    ),
    "src/blkswap/xen/linux/port.py:117 core/NumberReplacer #28": (
        "the key of EINVAL: an errno missing from the map answers EINVAL anyway (the get default), and 23 would answer EINVAL too"
    ),
    "src/blkswap/xen/linux/port.py:117 core/NumberReplacer #29": (
        "the key of EINVAL: an errno missing from the map answers EINVAL anyway (the get default), and 21 would answer EINVAL too"
    ),
    "src/blkswap/xen/linux/port.py:118 core/NumberReplacer #32": (
        "DeviceError always carries an errno (EIO when the OSError had none): the `or` operand is never used"
    ),
    "src/blkswap/xen/linux/port.py:118 core/NumberReplacer #33": (
        "DeviceError always carries an errno (EIO when the OSError had none): the `or` operand is never used"
    ),
    # --- src/blkswap/xen/ops_transfer.py ---
    "src/blkswap/xen/ops_transfer.py:51 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:51 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:51 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_Div #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_FloorDiv #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_LShift #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_Mod #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_Mul #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_Pow #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitAnd_RShift #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_BitAnd #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_FloorDiv #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_LShift #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_Mod #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_Mul #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_Pow #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_RShift #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceBinaryOperator_BitOr_Sub #0": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:52 core/ReplaceOrWithAnd #1": (
        "subsumed by the P2M/M2P test below it: a frame in the donor's P2M is owned by it and is never SHARED (grant-table frames are in no P2M) or DYING (a release leaves the P2M first) (xen.audit invariants), so the owner and flag tests never decide alone"
    ),
    "src/blkswap/xen/ops_transfer.py:58 core/NumberReplacer #5": (
        "M2P -1 means the frame is in no P2M (arena.release and _set_p2m clear it), so ld.p2m[-1] (its last gfn) never holds it: gfn -1 is refused by the P2M half anyway"
    ),
    "src/blkswap/xen/ops_transfer.py:58 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "past the owner test, a frame with an M2P entry g sits at the donor's P2M[g] (_set_p2m keeps P2M and M2P in step; xen.audit checks it), so ld.p2m[gfn] == mfn whenever gfn >= 0: only the gfn < 0 half ever decides"
    ),
    "src/blkswap/xen/ops_transfer.py:58 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "past the owner test, a frame with an M2P entry g sits at the donor's P2M[g] (_set_p2m keeps P2M and M2P in step; xen.audit checks it), so ld.p2m[gfn] == mfn whenever gfn >= 0: only the gfn < 0 half ever decides"
    ),
    "src/blkswap/xen/ops_transfer.py:58 core/ReplaceOrWithAnd #4": (
        "past the owner test, a frame with an M2P entry g sits at the donor's P2M[g] (_set_p2m keeps P2M and M2P in step; xen.audit checks it), so ld.p2m[gfn] == mfn whenever gfn >= 0: only the gfn < 0 half ever decides"
    ),
    "src/blkswap/xen/ops_transfer.py:74 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "status is a GNTST code (0 .. -13: small ints, one object each in CPython): is not == !="
    ),
    "src/blkswap/xen/ops_transfer.py:74 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "status is GNTST_okay (0) or a negative GNTST code, never positive: < 0 == != 0"
    ),
    "src/blkswap/xen/ops_transfer.py:83 core/ReplaceComparisonOperator_GtE_Eq #1": (
        "tot_pages never exceeds max_pages (populate, increase_reservation and transfer all stop at it): >= == =="
    ),
    "src/blkswap/xen/ops_transfer.py:89 core/ReplaceComparisonOperator_NotEq_IsNot #3": (
        "GTF_accept_transfer is 2, a small int (one object in CPython): a flags value equal to it is the same object, is not == !="
    ),
    "src/blkswap/xen/ops_transfer.py:91 core/NumberReplacer #10": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: >= 0, > 0 and >= 1 agree"
    ),
    "src/blkswap/xen/ops_transfer.py:91 core/ReplaceComparisonOperator_GtE_Gt #4": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: >= 0, > 0 and >= 1 agree"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_BitAnd #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_FloorDiv #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_LShift #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_Mod #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_Mul #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_Pow #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:93 core/ReplaceBinaryOperator_BitOr_RShift #1": (
        "line 98 overwrites these flags (committed|completed) before anything reads the entry: the lab runs the op in one step, so Xen's committed-only state, seen only by a concurrent guest vCPU, cannot be observed"
    ),
    "src/blkswap/xen/ops_transfer.py:98 core/ReplaceBinaryOperator_BitOr_Add #2": (
        "eflags is exactly GTF_accept_transfer here (line 89) and accept_transfer, committed and completed are distinct bits: + and ^ give the same value as |"
    ),
    "src/blkswap/xen/ops_transfer.py:98 core/ReplaceBinaryOperator_BitOr_Add #3": (
        "eflags is exactly GTF_accept_transfer here (line 89) and accept_transfer, committed and completed are distinct bits: + and ^ give the same value as |"
    ),
    "src/blkswap/xen/ops_transfer.py:98 core/ReplaceBinaryOperator_BitOr_BitXor #2": (
        "eflags is exactly GTF_accept_transfer here (line 89) and accept_transfer, committed and completed are distinct bits: + and ^ give the same value as |"
    ),
    "src/blkswap/xen/ops_transfer.py:98 core/ReplaceBinaryOperator_BitOr_BitXor #3": (
        "eflags is exactly GTF_accept_transfer here (line 89) and accept_transfer, committed and completed are distinct bits: + and ^ give the same value as |"
    ),
    # --- src/blkswap/xen/evtchn.py ---
    "src/blkswap/xen/evtchn.py:151 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        'a port\'s state is one of the interned literals "unbound" / "interdomain" (one object each): is / is not == == / !='
    ),
    "src/blkswap/xen/evtchn.py:177 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        'a port\'s state is one of the interned literals "unbound" / "interdomain" (one object each): is / is not == == / !='
    ),
    "src/blkswap/xen/evtchn.py:189 core/ReplaceComparisonOperator_Eq_Is #3": (
        'a port\'s state is one of the interned literals "unbound" / "interdomain" (one object each): is / is not == == / !='
    ),
    "src/blkswap/xen/evtchn.py:283 core/ReplaceComparisonOperator_NotEq_IsNot #3": (
        'a port\'s state is one of the interned literals "unbound" / "interdomain" (one object each): is / is not == == / !='
    ),
    "src/blkswap/xen/evtchn.py:151 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        'a port\'s state is "unbound" or "interdomain", and "interdomain" < "unbound": on these two values the order comparisons agree with == / !='
    ),
    "src/blkswap/xen/evtchn.py:177 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        'a port\'s state is "unbound" or "interdomain", and "interdomain" < "unbound": on these two values the order comparisons agree with == / !='
    ),
    "src/blkswap/xen/evtchn.py:189 core/ReplaceComparisonOperator_Eq_LtE #3": (
        'a port\'s state is "unbound" or "interdomain", and "interdomain" < "unbound": on these two values the order comparisons agree with == / !='
    ),
    "src/blkswap/xen/evtchn.py:283 core/ReplaceComparisonOperator_NotEq_Gt #3": (
        'a port\'s state is "unbound" or "interdomain", and "interdomain" < "unbound": on these two values the order comparisons agree with == / !='
    ),
    "src/blkswap/xen/evtchn.py:189 core/ReplaceComparisonOperator_Eq_GtE #3": (
        "an unbound port's remote_port is 0 (never allocated: ports start at 1), so looking up its 'peer' finds nothing and changes nothing"
    ),
    "src/blkswap/xen/evtchn.py:158 core/ReplaceComparisonOperator_Eq_Is #1": (
        "port is a free port of domid and remote_port an allocated one of remote: when remote == domid they always differ, so the conjunction is never true either way"
    ),
    "src/blkswap/xen/evtchn.py:158 core/ReplaceComparisonOperator_Eq_Is #2": (
        "port is a free port of domid and remote_port an allocated one of remote: when remote == domid they always differ, so the conjunction is never true either way"
    ),
    # --- src/blkswap/xen/guest_grants.py ---
    "src/blkswap/xen/guest_grants.py:22 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "GTF_reading and GTF_writing are distinct bits: + and ^ give the same 24 as |"
    ),
    "src/blkswap/xen/guest_grants.py:22 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "GTF_reading and GTF_writing are distinct bits: + and ^ give the same 24 as |"
    ),
    "src/blkswap/xen/guest_grants.py:22 core/ReplaceBinaryOperator_BitOr_Mod #0": (
        "8 % 16 = GTF_reading: Xen never leaves GTF_writing without GTF_reading (pin_entry sets both, unpin clears reading only at pin 0, when writing is gone too), so & 8 decides as & 24"
    ),
    "src/blkswap/xen/guest_grants.py:22 core/ReplaceBinaryOperator_BitOr_Sub #0": (
        "8 - 16 = -8 keeps bits 3 and up: a permit entry only ever holds permit/readonly (written here) and reading/writing (set by Xen), so & -8 decides as & 24"
    ),
    "src/blkswap/xen/guest_grants.py:43 core/ReplaceComparisonOperator_LtE_Eq #0": (
        "nr_entries never falls below _ref_limit (8 at start, then assigned nr_entries itself, which only grows), so <= is == and, when equal, the same int object"
    ),
    "src/blkswap/xen/guest_grants.py:43 core/ReplaceComparisonOperator_LtE_Is #0": (
        "nr_entries never falls below _ref_limit (8 at start, then assigned nr_entries itself, which only grows), so <= is == and, when equal, the same int object"
    ),
    "src/blkswap/xen/guest_grants.py:45 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "status is a GNTST code (0 or -1: small ints, one object each in CPython): is not == !="
    ),
    "src/blkswap/xen/guest_grants.py:45 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "grow_grant_table returns GNTST_okay (0) or GNTST_general_error (-1), never positive: < 0 == != 0"
    ),
    "src/blkswap/xen/guest_grants.py:70 core/NumberReplacer #8": (
        "GTF_permit_access is 1 and GTF_readonly 4: 1 | 1, 1 + 0 / 1 + 4 and 1 ^ 0 / 1 ^ 4 equal 1 | 0 / 1 | 4"
    ),
    "src/blkswap/xen/guest_grants.py:70 core/ReplaceBinaryOperator_BitOr_Add #1": (
        "GTF_permit_access is 1 and GTF_readonly 4: 1 | 1, 1 + 0 / 1 + 4 and 1 ^ 0 / 1 ^ 4 equal 1 | 0 / 1 | 4"
    ),
    "src/blkswap/xen/guest_grants.py:70 core/ReplaceBinaryOperator_BitOr_BitXor #1": (
        "GTF_permit_access is 1 and GTF_readonly 4: 1 | 1, 1 + 0 / 1 + 4 and 1 ^ 0 / 1 ^ 4 equal 1 | 0 / 1 | 4"
    ),
    "src/blkswap/xen/guest_grants.py:96 core/NumberReplacer #12": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree"
    ),
    "src/blkswap/xen/guest_grants.py:96 core/ReplaceComparisonOperator_Lt_LtE #1": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree"
    ),
    "src/blkswap/xen/guest_grants.py:132 core/ReplaceBinaryOperator_BitAnd_FloorDiv #1": (
        "an accept entry holds 2, 2|committed (6) or 2|committed|completed (14): // 8 and & 8 agree on all three"
    ),
    # --- src/blkswap/xen/lifecycle.py ---
    "src/blkswap/xen/lifecycle.py:42 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "domids grow by one from 0 and creation stops at DOMID_FIRST_RESERVED, so domid never exceeds it: >= == =="
    ),
    "src/blkswap/xen/lifecycle.py:65 core/NumberReplacer #14": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: >= 0, >= 1 and > 0 agree"
    ),
    "src/blkswap/xen/lifecycle.py:65 core/ReplaceComparisonOperator_GtE_Gt #1": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: >= 0, >= 1 and > 0 agree"
    ),
    # --- src/blkswap/xen/xenstore_watch.py ---
    "src/blkswap/xen/xenstore_watch.py:93 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "an unprivileged domain's watch count never exceeds max_per_domain: add refuses at equality and the quota is fixed, so >= == =="
    ),
    "src/blkswap/xen/xenstore_watch.py:93 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "domids reaching the table are 0 .. 0x7FEF (XenStore.client checks them), never negative: != 0 == > 0 and <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore_watch.py:138 core/ReplaceComparisonOperator_Eq_LtE #10": (
        "domids reaching the table are 0 .. 0x7FEF (XenStore.client checks them), never negative: != 0 == > 0 and <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore_watch.py:93 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore_watch.py:138 core/ReplaceComparisonOperator_Eq_Is #10": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is / is not == == / !="
    ),
    # --- src/blkswap/xen/xenstore_paths.py ---
    "src/blkswap/xen/xenstore_paths.py:127 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "every absolute path starts with '/', and any such string other than '/' sorts after it: != '/' == > '/' and <= '/' == == '/'"
    ),
    "src/blkswap/xen/xenstore_paths.py:146 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "every absolute path starts with '/', and any such string other than '/' sorts after it: != '/' == > '/' and <= '/' == == '/'"
    ),
    "src/blkswap/xen/xenstore_paths.py:127 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "one-character strings are singletons in CPython (paths and perms are built from str ops that return the cached object): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore_paths.py:146 core/ReplaceComparisonOperator_Eq_Is #1": (
        "one-character strings are singletons in CPython (paths and perms are built from str ops that return the cached object): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore_paths.py:176 core/ReplaceComparisonOperator_Eq_Is #5": (
        "one-character strings are singletons in CPython (paths and perms are built from str ops that return the cached object): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore_paths.py:176 core/ReplaceComparisonOperator_Eq_Is #6": (
        "one-character strings are singletons in CPython (paths and perms are built from str ops that return the cached object): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore_paths.py:169 core/ReplaceComparisonOperator_Eq_Is #2": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is == =="
    ),
    "src/blkswap/xen/xenstore_paths.py:169 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "domids are never negative (clients check 0..0x7FEF): <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore_paths.py:176 core/ReplaceComparisonOperator_Eq_LtE #5": (
        "a perm is one of r, w, b, n (normalise_perms), and only b is <= 'b': <= == =="
    ),
    "src/blkswap/xen/xenstore_paths.py:172 core/NumberReplacer #37": (
        "the owner entry perms[0] is decided before the loop: a domid equal to its d has returned True already, so scanning it changes nothing"
    ),
    # ===== mut-back (issue 14): back/ survivors no test can tell from the original =====
    # --- back/datapaths/grant_map.py ---
    "src/blkswap/back/datapaths/grant_map.py:20 core/NumberReplacer #0": (
        "REPLACED only has to differ from every GNTST code (all <= 0): finish compares with the same constant and unmap_grants skips any status != 0, so 2 acts as 1"
    ),
    "src/blkswap/back/datapaths/grant_map.py:49 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_map.py:49 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/grant_map.py:54 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_map.py:54 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/grant_map.py:60 core/ReplaceTrueWithFalse #1": (
        "map_grants returns one Mapping per segment: the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/grant_map.py:69 core/NumberReplacer #9": (
        "unmap_and_replace is given one item here, so its status list has one element: [-1] is [0]"
    ),
    "src/blkswap/back/datapaths/grant_map.py:70 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "GNTST codes are 0 or negative: >= 0 is == 0"
    ),
    "src/blkswap/back/datapaths/grant_map.py:70 core/ReplaceComparisonOperator_Eq_Is #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/back/datapaths/grant_map.py:78 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "at finish a mapping's status is GNTST_okay 0 or REPLACED 1 (prepare raised on any failed map): >= 1 is == 1"
    ),
    "src/blkswap/back/datapaths/grant_map.py:78 core/ReplaceComparisonOperator_Eq_Is #1": (
        "REPLACED is the small int 1 (one object in CPython): is == =="
    ),
    # --- back/datapaths/transfer.py ---
    "src/blkswap/back/datapaths/transfer.py:77 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "BLKIF statuses are small ints (one object each in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/transfer.py:77 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "BLKIF statuses are OKAY 0, ERROR -1, EOPNOTSUPP -2: < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/transfer.py:84 core/ReplaceTrueWithFalse #1": (
        "req.token is req.pool_frames, one frame per segment (frames_needed): the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/transfer.py:90 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "GNTTABOP_transfer answers okay, general_error, bad_domain, bad_gntref or bad_page (-9) (xen/ops_transfer.py, Xen gnttab_transfer): nothing below -9, so > -9 is != -9"
    ),
    "src/blkswap/back/datapaths/transfer.py:90 core/ReplaceTrueWithFalse #2": (
        "transfer_statuses returns one status per frame: the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/transfer.py:91 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "GNTTABOP_transfer answers nothing below GNTST_bad_page (-9): <= -9 is == -9"
    ),
    "src/blkswap/back/datapaths/transfer.py:91 core/ReplaceTrueWithFalse #3": (
        "transfer_statuses returns one status per frame: the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/transfer.py:96 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/transfer.py:96 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    # --- back/datapaths/grant_swap.py ---
    "src/blkswap/back/datapaths/grant_swap.py:84 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "BLKIF statuses are OKAY 0, ERROR -1, EOPNOTSUPP -2: >= 0 is == 0"
    ),
    "src/blkswap/back/datapaths/grant_swap.py:84 core/ReplaceComparisonOperator_Eq_Is #0": (
        "BLKIF_RSP_OKAY is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/back/datapaths/grant_swap.py:103 core/ReplaceTrueWithFalse #1": (
        "req.token is req.pool_frames, one frame per segment (frames_needed): the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/grant_swap.py:108 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_swap.py:108 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/grant_swap.py:121 core/ReplaceTrueWithFalse #3": (
        "req.token is req.pool_frames, one frame per segment (frames_needed): the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/grant_swap.py:124 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_swap.py:124 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    # --- back/rings.py ---
    "src/blkswap/back/rings.py:38 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/rings.py:42 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "negotiate gives every queue at least one ring-ref (none is refused there): <= 1 is == 1"
    ),
    # --- back/io.py ---
    "src/blkswap/back/io.py:47 core/ReplaceComparisonOperator_Eq_Is #0": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/io.py:47 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "the effective op of a validated request is 0 (READ) to 5 (DISCARD), never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/io.py:50 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "the effective op is never above DISCARD 5 (validate turns INDIRECT 6 into READ/WRITE): >= 5 is == 5"
    ),
    "src/blkswap/back/io.py:50 core/ReplaceComparisonOperator_Eq_Is #1": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/io.py:58 core/ReplaceComparisonOperator_Eq_Is #2": (
        "EOPNOTSUPP (95) is a small int (one object in CPython): is == =="
    ),
    "src/blkswap/back/io.py:58 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "ops are small ints (one object each in CPython): is not == !="
    ),
    "src/blkswap/back/io.py:58 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "the effective op is never above DISCARD 5 (validate turns INDIRECT 6 into READ/WRITE): < 5 is != 5"
    ),
    "src/blkswap/back/io.py:91 core/ReplaceComparisonOperator_NotEq_IsNot #3": (
        "EOPNOTSUPP (95) is a small int (one object in CPython): is not == !="
    ),
    # --- back/request.py ---
    "src/blkswap/back/request.py:32 core/ReplaceTrueWithFalse #1": (
        "frozen=True already refuses every attribute set: slots only changes the memory layout"
    ),
    "src/blkswap/back/request.py:102 core/ReplaceFalseWithTrue #4": (
        "id is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:103 core/ReplaceFalseWithTrue #7": (
        "operation is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:104 core/ReplaceFalseWithTrue #10": (
        "op is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:105 core/ReplaceFalseWithTrue #13": (
        "sector_number is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:106 core/ReplaceFalseWithTrue #16": (
        "nr_sectors is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:107 core/ReplaceFalseWithTrue #19": (
        "segments is copied from request, which eq already compares: comparing the copy too changes no result"
    ),
    "src/blkswap/back/request.py:169 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "nr_sectors is a u64 off the ring, never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/request.py:169 core/ReplaceComparisonOperator_Lt_Eq #1": (
        "Python ints do not wrap: end = start + nr >= start, and nr 0 was refused before, so end < start, end == start and end <= start are all False here"
    ),
    "src/blkswap/back/request.py:169 core/ReplaceComparisonOperator_Lt_Is #1": (
        "Python ints do not wrap: end = start + nr > start (nr 0 refused before), so the test is False whatever the operator"
    ),
    "src/blkswap/back/request.py:169 core/ReplaceComparisonOperator_Lt_LtE #1": (
        "Python ints do not wrap: end = start + nr > start (nr 0 refused before), so the test is False whatever the operator"
    ),
    "src/blkswap/back/request.py:176 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "max_indirect_segments is a count: negotiate takes min(caps, configured) and the configs keep it in 0..256, never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/request.py:183 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "an indirect request's nr_segments is a u16 off the ring, never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/request.py:190 core/ReplaceComparisonOperator_Eq_GtE #3": (
        "op is one of RW_OPS (0..3) here and FLUSH_DISKCACHE is 3, the largest: >= 3 is == 3"
    ),
    "src/blkswap/back/request.py:190 core/ReplaceComparisonOperator_Eq_Is #0": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/request.py:192 core/ReplaceComparisonOperator_Eq_Is #1": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/request.py:195 core/ReplaceComparisonOperator_Eq_LtE #5": (
        "nr_segments is a u8 off the ring, never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/request.py:197 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "effective ops are >= 0 and READ is 0: > 0 is != 0"
    ),
    "src/blkswap/back/request.py:197 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "ops are small ints (one object each in CPython): is not == !="
    ),
    "src/blkswap/back/request.py:204 core/ReplaceComparisonOperator_Eq_LtE #6": (
        "nr_sectors is a sum of segment sector counts (or a u64), never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/request.py:207 core/ReplaceComparisonOperator_Lt_Eq #2": (
        "Python ints do not wrap and nr_sectors > 0 here (0 returned above): end > start, so <, == and <= are all False"
    ),
    "src/blkswap/back/request.py:207 core/ReplaceComparisonOperator_Lt_Is #2": (
        "Python ints do not wrap and nr_sectors > 0 here (0 returned above): end > start, so the test is False whatever the operator"
    ),
    "src/blkswap/back/request.py:207 core/ReplaceComparisonOperator_Lt_LtE #2": (
        "Python ints do not wrap and nr_sectors > 0 here (0 returned above): end > start, so <, == and <= are all False"
    ),
    "src/blkswap/back/request.py:213 core/NumberReplacer #35": (
        "with ls = 1 both remainders are 0: > 0 adds only a check that never fires"
    ),
    "src/blkswap/back/request.py:213 core/ReplaceComparisonOperator_Gt_GtE #4": (
        "with ls = 1 both remainders are 0: >= 1 adds only a check that never fires"
    ),
    "src/blkswap/back/request.py:213 core/ReplaceComparisonOperator_Gt_NotEq #4": (
        "logical_sectors is sector_size // 512 >= 1 (sector sizes are >= 512): != 1 is > 1"
    ),
    # --- back/grantops.py ---
    "src/blkswap/back/grantops.py:30 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:30 core/ReplaceComparisonOperator_NotEq_Is #0": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:30 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:32 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:32 core/ReplaceComparisonOperator_NotEq_Is #1": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:32 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:35 core/ReplaceComparisonOperator_NotEq_Gt #2": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:35 core/ReplaceComparisonOperator_NotEq_Is #2": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:35 core/ReplaceComparisonOperator_NotEq_Lt #2": (
        "an import-time consistency check of the ABI struct field order that holds: equal tuples are neither < nor > each other nor the same object, so the check stays silent as with !="
    ),
    "src/blkswap/back/grantops.py:62 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "GNTMAP_host_map (2) and GNTMAP_readonly (4) are disjoint bits: + is |"
    ),
    "src/blkswap/back/grantops.py:62 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "GNTMAP_host_map (2) and GNTMAP_readonly (4) are disjoint bits: ^ is |"
    ),
    "src/blkswap/back/grantops.py:67 core/ReplaceBinaryOperator_Mul_LShift #0": (
        "the argument array only grows: Xen reads count elements from its start, the extra zero bytes are never read"
    ),
    "src/blkswap/back/grantops.py:164 core/ReplaceBinaryOperator_Mul_LShift #13": (
        "the argument array only grows: Xen reads count elements from its start, the extra zero bytes are never read"
    ),
    "src/blkswap/back/grantops.py:164 core/ReplaceBinaryOperator_Mul_Pow #13": (
        "the argument array only grows: Xen reads count elements from its start, the extra zero bytes are never read"
    ),
    "src/blkswap/back/grantops.py:70 core/NumberReplacer #6": (
        "an output field the lab's Xen overwrites for every element (ops_map.map_grant_ref writes status, handle and dev_bus_addr back): its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:70 core/NumberReplacer #7": (
        "an output field the lab's Xen overwrites for every element (ops_map.map_grant_ref writes status, handle and dev_bus_addr back): its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:70 core/NumberReplacer #8": (
        "an output field the lab's Xen overwrites for every element (ops_map.map_grant_ref writes status, handle and dev_bus_addr back): its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:70 core/NumberReplacer #10": (
        "an output field the lab's Xen overwrites for every element (ops_map.map_grant_ref writes status, handle and dev_bus_addr back): its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #12": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #13": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #14": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #15": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #16": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:72 core/NumberReplacer #17": (
        "_explain stops at the first value that does not fit, always an input field (host_addr, flags, ref, dom: pack_into failed on one of them); the output fields after them are never checked"
    ),
    "src/blkswap/back/grantops.py:82 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "GNTST codes are 0 or negative: >= 0 is == 0"
    ),
    "src/blkswap/back/grantops.py:82 core/ReplaceComparisonOperator_Eq_Is #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/back/grantops.py:90 core/NumberReplacer #20": (
        "the backend maps with GNTMAP_host_map only: Xen reads an unmap's dev_bus_addr only for device mappings (ops_map._unmap_common, Xen unmap_common)"
    ),
    "src/blkswap/back/grantops.py:90 core/NumberReplacer #22": (
        "status is an output Xen writes for every unmap element: its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:90 core/NumberReplacer #23": (
        "status is an output Xen writes for every unmap element: its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:92 core/NumberReplacer #24": (
        "_explain only reaches dev_bus_addr when host_addr fits, and 1 fits: the named field is the same"
    ),
    "src/blkswap/back/grantops.py:92 core/NumberReplacer #26": (
        "status comes after handle, the last input that can fail to fit: _explain stops before it"
    ),
    "src/blkswap/back/grantops.py:92 core/NumberReplacer #27": (
        "status comes after handle, the last input that can fail to fit: _explain stops before it"
    ),
    "src/blkswap/back/grantops.py:121 core/NumberReplacer #32": (
        "status is an output Xen writes for every copy element: its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:121 core/NumberReplacer #33": (
        "status is an output Xen writes for every copy element: its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:123 core/NumberReplacer #34": (
        "status is an output Xen writes for every copy element: its initial value is never read"
    ),
    "src/blkswap/back/grantops.py:123 core/NumberReplacer #35": (
        "status is an output Xen writes for every copy element: its initial value is never read"
    ),
    # --- src/blkswap/xen/xenstore.py ---
    "src/blkswap/xen/xenstore.py:120 core/ReplaceComparisonOperator_Eq_Lt #2": (
        "redundant clause: for prefix '/', the third test ('/'.rstrip('/') + '/' == '/') already takes every path, so prefix == '/' never decides"
    ),
    "src/blkswap/xen/xenstore.py:120 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "redundant clause: for prefix '/', the third test ('/'.rstrip('/') + '/' == '/') already takes every path, so prefix == '/' never decides"
    ),
    "src/blkswap/xen/xenstore.py:120 core/ReplaceComparisonOperator_Eq_Is #2": (
        "redundant clause: for prefix '/', the third test ('/'.rstrip('/') + '/' == '/') already takes every path, so prefix == '/' never decides"
    ),
    "src/blkswap/xen/xenstore.py:134 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "every node path starts with '/', and any such string other than '/' sorts after it: != '/' == > '/'"
    ),
    "src/blkswap/xen/xenstore.py:134 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "one-character strings are singletons in CPython (the root key is the cached '/'): is not == !="
    ),
    "src/blkswap/xen/xenstore.py:152 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "Transaction defines no __eq__, so != compares identity: the same as is not"
    ),
    "src/blkswap/xen/xenstore.py:154 core/ReplaceComparisonOperator_NotEq_IsNot #2": (
        "a transaction's domid is the very int object of the client that started it, and clients are cached per domid (a released domain's transactions are aborted): is not == !="
    ),
    "src/blkswap/xen/xenstore.py:166 core/ReplaceComparisonOperator_NotEq_Gt #3": (
        "domids are 0 .. 0x7FEF (XenStore.client checks), never negative: != 0 == > 0 and <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore.py:267 core/ReplaceComparisonOperator_NotEq_Gt #4": (
        "domids are 0 .. 0x7FEF (XenStore.client checks), never negative: != 0 == > 0 and <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore.py:170 core/ReplaceComparisonOperator_Eq_LtE #4": (
        "domids are 0 .. 0x7FEF (XenStore.client checks), never negative: != 0 == > 0 and <= 0 == == 0"
    ),
    "src/blkswap/xen/xenstore.py:166 core/ReplaceComparisonOperator_NotEq_IsNot #3": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore.py:267 core/ReplaceComparisonOperator_NotEq_IsNot #4": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore.py:170 core/ReplaceComparisonOperator_Eq_Is #4": (
        "PRIVILEGED_DOMID is 0, a small int (one object in CPython): is / is not == == / !="
    ),
    "src/blkswap/xen/xenstore.py:168 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "an unprivileged domain's open transactions never exceed the quota: the start is refused at equality and the quota is fixed, so >= == =="
    ),
    # --- src/blkswap/xen/hypervisor.py ---
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_Sub #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_Mul #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_Pow #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_RShift #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_LShift #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_BitOr #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_BitAnd #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:204 core/ReplaceBinaryOperator_Add_BitXor #0": (
        "GrantTable.grow ignores its nr_frames argument (it appends owner_frames and derives the entry count from its frame list), so no value of it changes anything"
    ),
    "src/blkswap/xen/hypervisor.py:122 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "an arena owner is a domid (>= 0) or FREE (-1): <= FREE == == FREE"
    ),
    "src/blkswap/xen/hypervisor.py:149 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "an arena owner is a domid (>= 0) or FREE (-1): <= FREE == == FREE"
    ),
    "src/blkswap/xen/hypervisor.py:122 core/ReplaceComparisonOperator_Eq_Is #0": (
        "FREE is -1, a small int (one object in CPython): is == =="
    ),
    "src/blkswap/xen/hypervisor.py:149 core/ReplaceComparisonOperator_Eq_Is #1": (
        "FREE is -1, a small int (one object in CPython): is == =="
    ),
    "src/blkswap/xen/hypervisor.py:134 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "frames_freed only grows: after the release it is before or more, so != == >"
    ),
    "src/blkswap/xen/hypervisor.py:134 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "unchanged, frames_freed is the same list element object as before; changed, it is another value: is not == !="
    ),
    "src/blkswap/xen/hypervisor.py:156 core/ReplaceComparisonOperator_LtE_Eq #0": (
        "extra references never go negative (put_page refuses at 0): <= 0 == == 0"
    ),
    "src/blkswap/xen/hypervisor.py:178 core/ReplaceUnaryOperator_USub_Not #0": (
        "not EFAULT is False, a bool, which run_multicall turns into -EFAULT itself (type(rc) is not int)"
    ),
    "src/blkswap/xen/hypervisor.py:235 core/ReplaceComparisonOperator_Is_Eq #0": (
        "Domain defines no __eq__, so == compares identity: the same as is"
    ),
    "src/blkswap/xen/hypervisor.py:200 core/NumberReplacer #39": (
        "need is an int: when it is negative, range(max(need, -1)) is range(-1), as empty as range(0)"
    ),
    # --- src/blkswap/xen/xenstore_tree.py ---
    "src/blkswap/xen/xenstore_tree.py:130 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "accessed keeps the very generation object of the node it saw: unchanged, the live node holds that same object; changed, another value (and None is one object): is not == !="
    ),
    "src/blkswap/xen/xenstore_tree.py:140 core/ReplaceUnaryOperator_Delete_USub #0": (
        "removals only pop the node and decrement its owner's count (Tree.put(path, None)): the order in which they run changes nothing"
    ),
    "src/blkswap/xen/xenstore_tree.py:140 core/ReplaceUnaryOperator_USub_Invert #0": (
        "removals only pop the node and decrement its owner's count (Tree.put(path, None)): the order in which they run changes nothing"
    ),
    "src/blkswap/xen/xenstore_tree.py:140 core/ReplaceUnaryOperator_USub_Not #0": (
        "removals only pop the node and decrement its owner's count (Tree.put(path, None)): the order in which they run changes nothing"
    ),
    "src/blkswap/xen/xenstore_tree.py:140 core/ReplaceUnaryOperator_USub_UAdd #0": (
        "removals only pop the node and decrement its owner's count (Tree.put(path, None)): the order in which they run changes nothing"
    ),
    # --- src/blkswap/xen/domain.py ---
    "src/blkswap/xen/domain.py:142 core/ReplaceComparisonOperator_GtE_Eq #4": (
        "redundant early exit: tot_pages counts the populated gfns of the max_pages ones, so at tot_pages == max_pages (it never exceeds it) no hole is left for the loop to populate anyway"
    ),
    "src/blkswap/xen/domain.py:142 core/ReplaceComparisonOperator_GtE_Gt #4": (
        "redundant early exit: tot_pages counts the populated gfns of the max_pages ones, so at tot_pages == max_pages (it never exceeds it) no hole is left for the loop to populate anyway"
    ),
    "src/blkswap/xen/domain.py:142 core/ReplaceComparisonOperator_GtE_Is #2": (
        "redundant early exit: tot_pages counts the populated gfns of the max_pages ones, so at tot_pages == max_pages (it never exceeds it) no hole is left for the loop to populate anyway"
    ),
    "src/blkswap/xen/domain.py:142 core/ReplaceOrWithAnd #4": (
        "redundant early exit: tot_pages counts the populated gfns of the max_pages ones, so at tot_pages == max_pages (it never exceeds it) no hole is left for the loop to populate anyway"
    ),
    "src/blkswap/xen/domain.py:143 core/ReplaceBreakWithContinue #0": (
        "the exit condition stays true once met (out, tot_pages and free frames only move when a hole is populated), so continuing populates nothing more"
    ),
    "src/blkswap/xen/domain.py:76 core/NumberReplacer #10": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:76 core/ReplaceComparisonOperator_Lt_LtE #1": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:144 core/NumberReplacer #24": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:144 core/ReplaceComparisonOperator_Lt_LtE #2": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:183 core/NumberReplacer #30": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:183 core/ReplaceComparisonOperator_GtE_Gt #5": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:189 core/NumberReplacer #32": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:189 core/ReplaceComparisonOperator_GtE_Gt #6": (
        "mfn 0 is reserved (never allocated), so a P2M entry is -1 or >= 1: < 0, < 1 and <= 0 agree, as do >= 0, >= 1 and > 0"
    ),
    "src/blkswap/xen/domain.py:95 core/ReplaceComparisonOperator_GtE_Eq #2": (
        "tot_pages never exceeds max_pages (populate refuses at it and is the only way up besides transfer, which checks too): >= == =="
    ),
    # --- back/loop.py ---
    "src/blkswap/back/loop.py:100 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "BackendRing has no __eq__: != is identity, as is not"
    ),
    "src/blkswap/back/loop.py:104 core/ReplaceComparisonOperator_IsNot_NotEq #1": (
        "BackendRing has no __eq__: != is identity, as is not"
    ),
    "src/blkswap/back/loop.py:107 core/ReplaceComparisonOperator_IsNot_NotEq #2": (
        "BackendRing has no __eq__: != is identity, as is not"
    ),
    "src/blkswap/back/loop.py:106 core/ReplaceComparisonOperator_Is_Eq #1": (
        "BackendRing has no __eq__: == is identity, as is"
    ),
    "src/blkswap/back/loop.py:164 core/ReplaceComparisonOperator_GtE_Eq #0": (
        "in_flight never exceeds max_pending (32 slots a page, the ring's own size): each taken request counts once until answered, and request_cons_overflow stops the loop at the same point, so >=, >, == and is stop alike"
    ),
    "src/blkswap/back/loop.py:164 core/ReplaceComparisonOperator_GtE_Gt #0": (
        "in_flight never exceeds max_pending (32 slots a page, the ring's own size): each taken request counts once until answered, and request_cons_overflow stops the loop at the same point, so >=, >, == and is stop alike"
    ),
    "src/blkswap/back/loop.py:164 core/ReplaceComparisonOperator_GtE_Is #0": (
        "in_flight never exceeds max_pending (32 slots a page, the ring's own size): each taken request counts once until answered, and request_cons_overflow stops the loop at the same point, so >=, >, == and is stop alike"
    ),
    "src/blkswap/back/loop.py:181 core/ReplaceComparisonOperator_Eq_Is #0": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/loop.py:223 core/ReplaceComparisonOperator_Eq_Is #1": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/loop.py:223 core/ReplaceComparisonOperator_Eq_LtE #1": (
        "effective ops are >= 0 and READ is 0: <= 0 is == 0"
    ),
    "src/blkswap/back/loop.py:269 core/ReplaceComparisonOperator_Eq_LtE #2": (
        "the queue was just appended to: len >= 1, so <= 1 is == 1"
    ),
    "src/blkswap/back/loop.py:299 core/NumberReplacer #44": (
        "the count _run_ready returns is never read (run_once ignores it)"
    ),
    "src/blkswap/back/loop.py:299 core/NumberReplacer #45": (
        "the count _run_ready returns is never read (run_once ignores it)"
    ),
    "src/blkswap/back/loop.py:309 core/NumberReplacer #46": (
        "the count _run_ready returns is never read (run_once ignores it)"
    ),
    "src/blkswap/back/loop.py:309 core/NumberReplacer #47": (
        "the count _run_ready returns is never read (run_once ignores it)"
    ),
    "src/blkswap/back/loop.py:320 core/ReplaceComparisonOperator_Eq_Is #2": (
        "BLKIF statuses are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/loop.py:320 core/ReplaceComparisonOperator_Eq_LtE #3": (
        "BLKIF statuses are OKAY 0, ERROR -1, EOPNOTSUPP -2 (the lowest): <= -2 is == -2"
    ),
    "src/blkswap/back/loop.py:332 core/ReplaceAndWithOr #3": (
        "while the drained barrier runs (_RUNNING) it is the only request in flight on its ring (it starts only at in_flight 0 and the ring is not read meanwhile), so the answered op is always BARRIER there"
    ),
    "src/blkswap/back/loop.py:332 core/ReplaceComparisonOperator_Eq_GtE #4": (
        "while the drained barrier runs (_RUNNING) it is the only request in flight on its ring (it starts only at in_flight 0 and the ring is not read meanwhile), so the answered op is always BARRIER there"
    ),
    "src/blkswap/back/loop.py:332 core/ReplaceComparisonOperator_Eq_LtE #4": (
        "while the drained barrier runs (_RUNNING) it is the only request in flight on its ring (it starts only at in_flight 0 and the ring is not read meanwhile), so the answered op is always BARRIER there"
    ),
    "src/blkswap/back/loop.py:332 core/ReplaceComparisonOperator_Eq_Is #3": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/loop.py:332 core/ReplaceComparisonOperator_Is_Eq #2": (
        "_RUNNING is a bare object(): no decoded request (a frozen dataclass of another type) ever compares equal to it, and it equals only itself: == is is"
    ),
    "src/blkswap/back/loop.py:334 core/ReplaceComparisonOperator_Eq_LtE #5": (
        "in_flight is never negative: <= 0 is == 0"
    ),
    "src/blkswap/back/loop.py:334 core/ReplaceComparisonOperator_IsNot_NotEq #3": (
        "_RUNNING is a bare object(): no decoded request (a frozen dataclass of another type) ever compares equal to it, and it equals only itself: != is is not"
    ),
    "src/blkswap/back/loop.py:339 core/ReplaceAndWithOr #5": (
        "on_idle (BlkBack._idle) re-checks that no ring of the device has requests in flight, and on_idle is set whenever closing is: calling it at in_flight > 0 does nothing"
    ),
    "src/blkswap/back/loop.py:339 core/ReplaceComparisonOperator_Eq_GtE #6": (
        "on_idle (BlkBack._idle) re-checks that no ring of the device has requests in flight, and on_idle is set whenever closing is: calling it at in_flight > 0 does nothing"
    ),
    "src/blkswap/back/loop.py:339 core/ReplaceComparisonOperator_Eq_LtE #6": (
        "in_flight is never negative: <= 0 is == 0"
    ),
    # --- back/datapaths/base.py ---
    "src/blkswap/back/datapaths/base.py:150 core/ReplaceComparisonOperator_NotEq_Gt #0": (
        "first_sect is validated to 0..7 (check_segments): never negative, so > 0 is != 0"
    ),
    "src/blkswap/back/datapaths/base.py:150 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "last_sect is validated to be <= 7 (check_segments): < 7 is != 7"
    ),
    # --- back/negotiate.py ---
    "src/blkswap/back/negotiate.py:58 core/ReplaceTrueWithFalse #1": (
        "frozen=True already refuses every attribute set: slots only changes the memory layout"
    ),
    "src/blkswap/back/negotiate.py:70 core/ReplaceTrueWithFalse #3": (
        "frozen=True already refuses every attribute set: slots only changes the memory layout"
    ),
    "src/blkswap/back/negotiate.py:79 core/ReplaceTrueWithFalse #5": (
        "frozen=True already refuses every attribute set: slots only changes the memory layout"
    ),
    "src/blkswap/back/negotiate.py:97 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "choose_datapath returns the asked string object itself unless a fallback replaced it with another name: is not == !="
    ),
    "src/blkswap/back/negotiate.py:127 core/ReplaceComparisonOperator_NotEq_Gt #1": (
        "_optional returns a parsed u32 or the default 0, never negative: > 0 is != 0"
    ),
    "src/blkswap/back/negotiate.py:188 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "nqueues was checked to be 1..max_queues above: <= 1 is == 1"
    ),
    "src/blkswap/back/negotiate.py:155 core/NumberReplacer #20": (
        "the only valid protocols are 10 characters long: a cut at 62, 63 or 64 characters keeps them whole and leaves any longer word invalid"
    ),
    "src/blkswap/back/negotiate.py:155 core/NumberReplacer #21": (
        "the only valid protocols are 10 characters long: a cut at 62, 63 or 64 characters keeps them whole and leaves any longer word invalid"
    ),
    # --- back/datapaths/grant_copy.py ---
    "src/blkswap/back/datapaths/grant_copy.py:61 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "BLKIF statuses are OKAY 0, ERROR -1, EOPNOTSUPP -2: >= 0 is == 0"
    ),
    "src/blkswap/back/datapaths/grant_copy.py:61 core/ReplaceComparisonOperator_Eq_Is #0": (
        "BLKIF_RSP_OKAY is the small int 0 (one object in CPython): is == =="
    ),
    "src/blkswap/back/datapaths/grant_copy.py:74 core/ReplaceComparisonOperator_Eq_GtE #1": (
        "the flavour is checked in __init__ to be gntcopy or blktap2, and 'blktap2' < 'gntcopy': >= is =="
    ),
    "src/blkswap/back/datapaths/grant_copy.py:91 core/ReplaceTrueWithFalse #2": (
        "req.frames is set by use_pool_frames in prepare, one frame per segment: the lengths are equal, strict never fires"
    ),
    "src/blkswap/back/datapaths/grant_copy.py:94 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_copy.py:94 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/grant_copy.py:107 core/ReplaceComparisonOperator_NotEq_IsNot #1": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/grant_copy.py:107 core/ReplaceComparisonOperator_NotEq_Lt #1": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/grant_copy.py:112 core/ReplaceTrueWithFalse #3": (
        "map_grants returns one Mapping per segment and use_pool_frames one buffer per segment: the lengths are equal, strict never fires"
    ),
    # --- back/pool.py ---
    "src/blkswap/back/pool.py:42 core/ReplaceFalseWithTrue #0": (
        "waiters are only ever compared by identity (is): a generated __eq__ is never called"
    ),
    "src/blkswap/back/pool.py:71 core/NumberReplacer #22": (
        "with the default constant clock every wait lasts clock() - clock() = 0 ns, whatever the constant"
    ),
    "src/blkswap/back/pool.py:71 core/NumberReplacer #23": (
        "with the default constant clock every wait lasts clock() - clock() = 0 ns, whatever the constant"
    ),
    "src/blkswap/back/pool.py:103 core/NumberReplacer #35": (
        "delta 0 in the grow branch allocates 0 frames and cancels 0 releases; its extra _serve finds no new frame"
    ),
    "src/blkswap/back/pool.py:103 core/ReplaceComparisonOperator_Gt_GtE #0": (
        "delta 0 in the grow branch allocates 0 frames and cancels 0 releases; its extra _serve finds no new frame"
    ),
    "src/blkswap/back/pool.py:108 core/NumberReplacer #36": (
        "delta 0 in the shrink branch releases 0 frames and dooms no waiter (each needs <= the unchanged size)"
    ),
    "src/blkswap/back/pool.py:108 core/ReplaceComparisonOperator_Lt_LtE #2": (
        "delta 0 in the shrink branch releases 0 frames and dooms no waiter (each needs <= the unchanged size)"
    ),
    "src/blkswap/back/pool.py:108 core/ReplaceComparisonOperator_Lt_NotEq #2": (
        "delta > 0 took the grow branch above: != 0 is < 0 here"
    ),
    "src/blkswap/back/pool.py:165 core/ReplaceComparisonOperator_Is_Eq #0": (
        "Waiter is eq=False: == is identity"
    ),
    "src/blkswap/back/pool.py:196 core/ReplaceComparisonOperator_IsNot_NotEq #0": (
        "Waiter is eq=False: != is identity"
    ),
    "src/blkswap/back/pool.py:241 core/NumberReplacer #67": (
        "cur = frames in use by the owner + n >= 0: max(-1, cur) is max(0, cur)"
    ),
    "src/blkswap/back/pool.py:254 core/ReplaceComparisonOperator_Lt_NotEq #3": (
        "out grows by one page or by what increase_reservation gives for the n - len(out) asked, never past n: != n is < n"
    ),
    "src/blkswap/back/pool.py:275 core/NumberReplacer #73": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_Add #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_BitOr #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1, which (len | 1) never goes below: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_Div #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_FloorDiv #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_LShift #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_Mul #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_Pow #12": (
        "the index int(p / 100 * len) for p in 50, 90, 99 is at most len - 1: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:275 core/ReplaceBinaryOperator_Sub_BitXor #12": (
        "len ^ 1 is len + 1 or len - 1, never below the index int(p / 100 * len) <= len - 1 for p in 50, 90, 99: the min() bound never binds"
    ),
    "src/blkswap/back/pool.py:277 core/NumberReplacer #78": (
        "total is only a divisor of the shares, and with nothing taken there is no share to compute"
    ),
    "src/blkswap/back/pool.py:277 core/NumberReplacer #79": (
        "total is only a divisor of the shares, and with nothing taken there is no share to compute"
    ),
    # --- back/vbd.py ---
    "src/blkswap/back/vbd.py:135 core/ReplaceComparisonOperator_Eq_Is #0": (
        "ops are small ints (one object each in CPython): is == =="
    ),
    "src/blkswap/back/vbd.py:135 core/ReplaceComparisonOperator_Eq_LtE #0": (
        "withdraw is only called for WRITE_BARRIER (2) or FLUSH_DISKCACHE (3) (loop._answer_req: op in _FLUSHLIKE): <= 2 is == 2"
    ),
    # --- back/datapaths/persistent.py ---
    "src/blkswap/back/datapaths/persistent.py:77 core/ReplaceComparisonOperator_NotEq_IsNot #0": (
        "GNTST_okay is the small int 0 (one object in CPython): is not == !="
    ),
    "src/blkswap/back/datapaths/persistent.py:77 core/ReplaceComparisonOperator_NotEq_Lt #0": (
        "GNTST codes are 0 or negative (xen-abi.md §1.8; the lab never answers a positive one): < 0 is != 0"
    ),
    "src/blkswap/back/datapaths/persistent.py:89 core/ReplaceComparisonOperator_Lt_NotEq #0": (
        "grants are only added while the table is below the limit, so its size never exceeds it: != is <"
    ),
    "src/blkswap/back/datapaths/persistent.py:139 core/NumberReplacer #19": (
        "num_clean 0 or -1: the pass-2 loop breaks at its first step either way (len(victims) >= num_clean)"
    ),
    "src/blkswap/back/datapaths/persistent.py:140 core/ReplaceComparisonOperator_Eq_GtE #0": (
        "count > limit is already tested by the first clause: count >= limit adds nothing"
    ),
    "src/blkswap/back/datapaths/persistent.py:149 core/ReplaceBreakWithContinue #0": (
        "once the target is met every later step also meets it and continue skips the add: only extra iterations"
    ),
    # --- xen/linux/xenstore.py ---
    "src/blkswap/xen/linux/xenstore.py:53 core/ReplaceBinaryOperator_BitOr_Add #0": (
        "O_RDWR (2) and O_CLOEXEC (0x80000) share no bit: + gives the same open flags as |"
    ),
    "src/blkswap/xen/linux/xenstore.py:53 core/ReplaceBinaryOperator_BitOr_BitXor #0": (
        "O_RDWR (2) and O_CLOEXEC (0x80000) share no bit: ^ gives the same open flags as |"
    ),
}

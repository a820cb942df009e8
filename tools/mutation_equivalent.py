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
}

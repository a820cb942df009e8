# Compiled-build declarations for heap.py (see events.pxd): an entry's time compared as a C
# double. (heap.py's first line turns off list bounds checks: every index is within the heap.)
cimport cython

@cython.locals(x=double, y=double)
cdef bint _before(tuple a, tuple b) except -1

cpdef push(list heap, tuple entry)

@cython.locals(parent_pos=Py_ssize_t, parent=tuple)
cdef int _climb(list heap, Py_ssize_t pos, tuple entry) except -1

@cython.locals(end=Py_ssize_t, pos=Py_ssize_t, child=Py_ssize_t, right=Py_ssize_t,
               last=tuple, top=tuple)
cpdef tuple pop(list heap)

# Compiled-build declarations for heap.py (see events.pxd): an entry's time compared as a C
# double. (heap.py's first line turns off list bounds checks: every index is within the heap.)
cimport cython

@cython.locals(x=double, y=double)
cdef bint _before(tuple a, tuple b) except -1

@cython.locals(pos=Py_ssize_t, parent_pos=Py_ssize_t, parent=tuple)
cpdef push(list heap, tuple entry)

@cython.locals(end=Py_ssize_t, pos=Py_ssize_t, child=Py_ssize_t, right=Py_ssize_t,
               parent_pos=Py_ssize_t, parent=tuple, last=tuple, top=tuple)
cpdef tuple pop(list heap)

# Compiled-build declarations for conditions.py (see events.pxd).
cimport cython
from blkswap.sim.events cimport Event

cdef class Condition(Event):
    cdef public object _evaluate
    cdef public tuple _events
    cdef public Py_ssize_t _count
    cdef public object _check_cb
    cdef public bint _nested

    @cython.locals(event=Event)
    cpdef _check(self, event)

cdef class AllOf(Condition):
    pass

cdef class AnyOf(Condition):
    pass

@cython.locals(condition=Condition, event=Event)
cpdef _build_value(condition)

@cython.locals(a=Event, b=Event, condition=Condition)
cpdef Condition _pair(a, b, evaluate)

cpdef Condition _event_and(a, b)
cpdef Condition _event_or(a, b)

# Compiled-build declarations for core.py (see events.pxd).
cimport cython
from blkswap.sim.events cimport Event, Timeout, _Initialize
from blkswap.sim.heap cimport push as heappush, pop as heappop

cdef class Environment:
    cdef public object _now
    cdef public list _queue
    cdef public object _seq
    cdef public object _urgent
    cdef public object _normal
    cdef public object _active_proc
    cdef dict __dict__  # models may hang their own attributes on it, as on the pure build's
    cdef object __weakref__

    @cython.locals(init=_Initialize)
    cpdef process(self, generator)

    @cython.locals(event=Timeout)
    cpdef timeout(self, delay=*, value=*)

    @cython.locals(event=Event, callbacks=list, queue=list)
    cpdef _loop(self)

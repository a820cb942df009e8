# Declarations for the optional compiled build of blkswap.sim (Cython, "pure Python mode": this
# file augments events.py, which stays the one source and runs as it is without a compiler).
# Every attribute is ``public`` so that Python code reads and writes it as before; the typed
# locals turn the hot paths' attribute reads into C struct reads. See docs/sim.md "Builds".
cimport cython
from blkswap.sim.heap cimport push as heappush

cdef class Event:
    cdef public object env
    cdef public object callbacks
    cdef public object _value
    cdef public object _ok
    cdef public bint _defused
    cdef object __weakref__

cdef class Timeout(Event):
    cdef public object _delay

cdef class _Initialize(Event):
    pass

cdef class _Interruption(Event):
    cdef public object process

cdef class Process(Event):
    cdef public object _generator
    cdef public object _target
    cdef public object _resume_cb

    @cython.locals(event=Event)  # (what the generator yields is checked before it is typed)
    cpdef _resume(self, event)

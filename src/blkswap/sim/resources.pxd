# Compiled-build declarations for resources.py (see events.pxd). Store stays a Python class.
cimport cython
from blkswap.sim.core cimport Environment
from blkswap.sim.events cimport Event

cdef class _Ask(Event):
    cdef public list _queue

cdef class Resource
cdef class Release

cdef class Request(_Ask):
    cdef public Resource resource
    cdef public object usage_since

    @cython.locals(resource=Resource, release=Release, env=Environment)
    cpdef _exit(self, exc_type, exc, tb)

cdef class Release(Event):
    cdef public Resource resource
    cdef public object request

cdef class StorePut(_Ask):
    cdef public object item

cdef class StoreGet(_Ask):
    pass

cdef class Resource:
    cdef public Environment _env
    cdef public object _capacity
    cdef public list users
    cdef public list queue
    cdef public list _grant_callbacks
    cdef dict __dict__  # (as core.pxd's Environment)
    cdef object __weakref__

    @cython.locals(request=Request, queue=list)
    cpdef request(self)

    @cython.locals(request=Request, queue=list)
    cpdef _grant_head(self, _event)

/*
 * Differential ring driver for tests/interop/test_ring_interop.py.
 *
 * Uses the REAL io/ring.h macros (via xen/io/blkif.h's blkif ring types) on one 4 KiB page that
 * is a file mmap'd MAP_SHARED by both this program and the Python test. Commands arrive one per
 * line on stdin; every command answers with lines on stdout ending in "end".
 *   fattach X          FRONT_RING_ATTACH(&f, s, X)       battach X   BACK_RING_ATTACH(&b, s, X)
 *   req OP NSEG HANDLE ID SECTOR   write a blkif_request at req_prod_pvt (segments derived from ID)
 *   push               RING_PUSH_REQUESTS_AND_CHECK_NOTIFY  -> "notify N REQ_PROD"
 *   fcheck             consume responses, RING_FINAL_CHECK_FOR_RESPONSES -> "rsp ..."*, "final M EV"
 *   bcons              consume requests (RING_COPY_REQUEST), RING_FINAL_CHECK_FOR_REQUESTS
 *   rsp ID OP STATUS   write a blkif_response at rsp_prod_pvt
 *   bpush              RING_PUSH_RESPONSES_AND_CHECK_NOTIFY -> "notify N RSP_PROD"
 *   fstate / bstate    RING_FREE_REQUESTS, RING_HAS_UNCONSUMED_*, RING_FULL and *_OVERFLOW
 */
/* ring.h leaves the barriers to the user for the current interface version. */
#define xen_mb() __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define PAGE 4096

static blkif_sring_t *s;
static blkif_front_ring_t f;
static blkif_back_ring_t b;

static void put_req(unsigned op, unsigned nseg, unsigned handle, unsigned long long id,
                    unsigned long long sector)
{
    blkif_request_t *r = RING_GET_REQUEST(&f, f.req_prod_pvt);
    unsigned i;
    memset(r, 0, sizeof(*r));
    r->operation = op;
    r->nr_segments = nseg;
    r->handle = handle;
    r->id = id;
    r->sector_number = sector;
    for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        r->seg[i].gref = (uint32_t)(id * 16 + i);
        r->seg[i].first_sect = i % 8;
        r->seg[i].last_sect = 7;
    }
    f.req_prod_pvt++;
    printf("ok %u %d\n", RING_FREE_REQUESTS(&f), RING_FULL(&f) ? 1 : 0);
}

static void print_req(const blkif_request_t *r)
{
    unsigned i, n;
    if (r->operation == BLKIF_OP_DISCARD) {
        const blkif_request_discard_t *d = (const void *)r;
        printf("discard %u %u %u %llu %llu %llu\n", d->operation, d->flag, d->handle,
               (unsigned long long)d->id, (unsigned long long)d->sector_number,
               (unsigned long long)d->nr_sectors);
        return;
    }
    if (r->operation == BLKIF_OP_INDIRECT) {
        const blkif_request_indirect_t *x = (const void *)r;
        printf("indirect %u %u %u %llu %llu %u", x->operation, x->indirect_op, x->nr_segments,
               (unsigned long long)x->id, (unsigned long long)x->sector_number, x->handle);
        for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
            printf(" %u", x->indirect_grefs[i]);
        printf("\n");
        return;
    }
    printf("req %u %u %u %llu %llu", r->operation, r->nr_segments, r->handle,
           (unsigned long long)r->id, (unsigned long long)r->sector_number);
    n = r->nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ? r->nr_segments
                                                         : BLKIF_MAX_SEGMENTS_PER_REQUEST;
    for (i = 0; i < n; i++)
        printf(" %u %u %u", r->seg[i].gref, r->seg[i].first_sect, r->seg[i].last_sect);
    printf("\n");
}

static void bcons(void)
{
    RING_IDX rc = b.req_cons, rp = s->req_prod;
    int more;
    blkif_request_t req;
    xen_rmb();
    while (rc != rp) {
        if (RING_REQUEST_CONS_OVERFLOW(&b, rc)) {
            printf("overflow\n");
            break;
        }
        RING_COPY_REQUEST(&b, rc, &req);
        b.req_cons = ++rc;
        print_req(&req);
    }
    RING_FINAL_CHECK_FOR_REQUESTS(&b, more);
    printf("final %d %u\n", more ? 1 : 0, s->req_event);
}

static void fcheck(void)
{
    RING_IDX rc = f.rsp_cons, rp = s->rsp_prod;
    int more;
    blkif_response_t rsp;
    xen_rmb();
    for (; rc != rp; rc++) {
        memcpy(&rsp, RING_GET_RESPONSE(&f, rc), sizeof(rsp));
        printf("rsp %llu %u %d\n", (unsigned long long)rsp.id, rsp.operation, rsp.status);
    }
    f.rsp_cons = rc;
    RING_FINAL_CHECK_FOR_RESPONSES(&f, more);
    printf("final %d %u\n", more ? 1 : 0, s->rsp_event);
}

static void put_rsp(unsigned long long id, unsigned op, int status)
{
    blkif_response_t rsp;
    memset(&rsp, 0, sizeof(rsp));
    rsp.id = id;
    rsp.operation = op;
    rsp.status = status;
    memcpy(RING_GET_RESPONSE(&b, b.rsp_prod_pvt), &rsp, sizeof(rsp));
    b.rsp_prod_pvt++;
    printf("ok\n");
}

int main(int argc, char **argv)
{
    char line[256];
    int fd, notify;
    unsigned a, c, d;
    unsigned long long x, y;
    int st;

    if (argc != 2) {
        fprintf(stderr, "usage: %s RINGFILE\n", argv[0]);
        return 2;
    }
    fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror("open"); return 2; }
    s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED) { perror("mmap"); return 2; }
    printf("ready %zu %zu\n", sizeof(blkif_request_t), sizeof(blkif_response_t));
    printf("end\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin)) {
        if (sscanf(line, "fattach %llu", &x) == 1) {
            FRONT_RING_ATTACH(&f, s, (RING_IDX)x, PAGE);
            printf("ok %u\n", RING_SIZE(&f));
        } else if (sscanf(line, "battach %llu", &x) == 1) {
            BACK_RING_ATTACH(&b, s, (RING_IDX)x, PAGE);
            printf("ok %u\n", RING_SIZE(&b));
        } else if (sscanf(line, "req %u %u %u %llu %llu", &a, &c, &d, &x, &y) == 5) {
            put_req(a, c, d, x, y);
        } else if (strncmp(line, "push", 4) == 0) {
            RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify);
            printf("notify %d %u\n", notify ? 1 : 0, s->req_prod);
        } else if (strncmp(line, "fcheck", 6) == 0) {
            fcheck();
        } else if (strncmp(line, "bcons", 5) == 0) {
            bcons();
        } else if (sscanf(line, "rsp %llu %u %d", &x, &a, &st) == 3) {
            put_rsp(x, a, st);
        } else if (strncmp(line, "bpush", 5) == 0) {
            RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, notify);
            printf("notify %d %u\n", notify ? 1 : 0, s->rsp_prod);
        } else if (strncmp(line, "fstate", 6) == 0 && f.sring) {
            printf("fstate %u %u %d %d\n", RING_FREE_REQUESTS(&f),
                   (unsigned)RING_HAS_UNCONSUMED_RESPONSES(&f), RING_FULL(&f) ? 1 : 0,
                   RING_RESPONSE_PROD_OVERFLOW(&f, s->rsp_prod) ? 1 : 0);
        } else if (strncmp(line, "bstate", 6) == 0 && b.sring) {
            printf("bstate %u %d %d\n", (unsigned)RING_HAS_UNCONSUMED_REQUESTS(&b),
                   RING_REQUEST_CONS_OVERFLOW(&b, b.req_cons) ? 1 : 0,
                   RING_REQUEST_PROD_OVERFLOW(&b, s->req_prod) ? 1 : 0);
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        } else {
            printf("error unknown command %s", line);
        }
        printf("end\n");
        fflush(stdout);
    }
    return 0;
}

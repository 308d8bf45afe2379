/*
 * A persistent pool of worker threads for the ufunc loops.
 *
 * sx_parallel(task, n) cuts [0, n) into parts of whole cache lines, one per
 * thread, and runs them on the calling thread and on the pool's workers;
 * the loops call it with the GIL released (NumPy releases it around them),
 * and the workers never touch Python.  The workers start on first use and
 * then sleep on a condition variable between calls.
 *
 * - One call at a time uses the pool: a call that finds it busy (another
 *   thread's call, say Dask running chunks side by side) computes on its
 *   own thread, and while it does the workers take no more parts, so the
 *   threads computing never exceed the callers or the count asked for.
 * - sx_serial (per thread) makes the calling thread's calls serial.
 * - The thread count is sx_threads (set_num_threads, SELU_XP_NUM_THREADS);
 *   1 turns the pool off.
 * - After fork the child starts with no workers and a fresh lock: the
 *   parent's threads do not exist there.
 */
#ifndef SELU_XP_POOL_H
#define SELU_XP_POOL_H

#include <numpy/ndarraytypes.h>

/* Arrays below this many elements run on the calling thread: waking a
 * worker costs some microseconds (measured in benchmarks/threads.py). */
#ifndef SX_PARALLEL_MIN
#define SX_PARALLEL_MIN 32768
#endif
#define SX_MAX_THREADS 256

typedef void (*sx_task_fn)(void *arg, npy_intp lo, npy_intp hi);

static int sx_threads = 1; /* threads per call, the caller's included */

#ifdef _WIN32
/* No pool on Windows yet: every call runs on the calling thread. */
static int sx_serial_flag = 0;
#define sx_serial sx_serial_flag
static void sx_parallel(sx_task_fn task, void *arg, npy_intp n) { task(arg, 0, n); }
static void sx_pool_after_fork(void) {}
static void sx_pool_stats(int *workers, long *parts) { *workers = 0; *parts = 0; }
#else
#include <pthread.h>
#include <time.h>

static struct {
    pthread_mutex_t lock; /* guards every field below */
    pthread_cond_t wake, done;
    int workers;          /* started worker threads */
    int busy;             /* a call holds the pool */
    sx_task_fn fn;
    void *arg;
    npy_intp n, step;
    int parts, next, remaining; /* remaining: also read spinning, atomically */
    long posted;                /* jobs posted: also read spinning, atomically */
    long worker_parts;          /* parts the workers ran, for the tests */
} sx_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
             PTHREAD_COND_INITIALIZER, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0};

/* How long a thread spins for the next job (a worker) or for the others'
 * parts (the caller) before it sleeps: 200 microseconds, by the clock (a
 * pause instruction takes from 10 to 140 cycles, depending on the CPU).
 * Waking a sleeping thread costs tens of microseconds, and on a virtual
 * machine whose other CPU has gone idle much more: with a 20-microsecond
 * spin, two threads were no faster than one on 10^6 float32 elements after
 * the process had slept a tenth of a second (benchmarks.levels). */
#ifndef SX_SPIN_NS
#define SX_SPIN_NS 200000
#endif

static inline void
sx_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline long long
sx_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static __thread int sx_serial = 0;

/* Calls on large arrays now computing, the pool's caller included: while
 * another caller computes on its own thread (Dask's threads, say), the
 * workers take no more parts, so no more threads run than callers. */
static int sx_callers = 0;

/* Claim and run parts of the current job until none is left; called and
 * returns with the lock held. */
static void
sx_pool_drain(int worker)
{
    while (sx_pool.next < sx_pool.parts) {
        int part;
        if (worker && __atomic_load_n(&sx_callers, __ATOMIC_RELAXED) > 1) {
            return; /* the pool's caller finishes the parts */
        }
        part = sx_pool.next++;
        sx_task_fn fn = sx_pool.fn;
        void *arg = sx_pool.arg;
        npy_intp lo = part * sx_pool.step, hi = lo + sx_pool.step;
        if (hi > sx_pool.n) {
            hi = sx_pool.n;
        }
        pthread_mutex_unlock(&sx_pool.lock);
        fn(arg, lo, hi);
        pthread_mutex_lock(&sx_pool.lock);
        sx_pool.worker_parts += worker;
        if (__atomic_sub_fetch(&sx_pool.remaining, 1, __ATOMIC_RELEASE) == 0) {
            pthread_cond_signal(&sx_pool.done);
        }
    }
}

static void *
sx_worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&sx_pool.lock);
    for (;;) {
        long seen;
        long long until;
        sx_pool_drain(1);
        /* Spin a while for the next job, also after a wake-up that found
         * every part taken (the caller ran them while this thread woke):
         * sleeping straight away again would miss the next call too. */
        seen = sx_pool.posted;
        until = sx_now_ns() + SX_SPIN_NS;
        pthread_mutex_unlock(&sx_pool.lock);
        while (__atomic_load_n(&sx_pool.posted, __ATOMIC_ACQUIRE) == seen &&
               sx_now_ns() < until) {
            sx_pause();
        }
        pthread_mutex_lock(&sx_pool.lock);
        while (sx_pool.posted == seen) {
            pthread_cond_wait(&sx_pool.wake, &sx_pool.lock);
        }
    }
    return NULL; /* not reached: workers live as long as the process */
}

/* Start workers up to `count`; with the lock held.  Returns how many run. */
static int
sx_pool_grow(int count)
{
    while (sx_pool.workers < count) {
        pthread_t thread;
        pthread_attr_t attr;
        int failed;
        if (pthread_attr_init(&attr) != 0) {
            break;
        }
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        failed = pthread_create(&thread, &attr, sx_worker, NULL);
        pthread_attr_destroy(&attr);
        if (failed) {
            break; /* run with the workers there are */
        }
        sx_pool.workers++;
    }
    return sx_pool.workers;
}

/* task(arg, lo, hi) over [0, n), in parts on the pool's threads. */
static void
sx_parallel(sx_task_fn task, void *arg, npy_intp n)
{
    int threads = sx_threads, parts;
    npy_intp step;
    if (n < SX_PARALLEL_MIN || threads < 2 || sx_serial) {
        task(arg, 0, n);
        return;
    }
    __atomic_add_fetch(&sx_callers, 1, __ATOMIC_RELAXED);
    /* Held only for bookkeeping, never while a part runs: waiting for it
     * is short, and a try-lock would also fail against a worker that is
     * just taking its next part. */
    pthread_mutex_lock(&sx_pool.lock);
    if (sx_pool.busy) {
        pthread_mutex_unlock(&sx_pool.lock);
        task(arg, 0, n);
        __atomic_sub_fetch(&sx_callers, 1, __ATOMIC_RELAXED);
        return;
    }
    threads = 1 + sx_pool_grow(threads - 1);
    /* Up to four parts per thread, of 8,192 elements or more: a worker that
     * wakes late still finds parts to take. */
    parts = 4 * threads;
    if (parts > n / (SX_PARALLEL_MIN / 4)) {
        parts = (int)(n / (SX_PARALLEL_MIN / 4));
    }
    step = (n + parts - 1) / parts;
    step = (step + 15) & ~(npy_intp)15; /* whole cache lines */
    sx_pool.busy = 1;
    sx_pool.fn = task;
    sx_pool.arg = arg;
    sx_pool.n = n;
    sx_pool.step = step;
    sx_pool.parts = (int)((n + step - 1) / step);
    sx_pool.next = 0;
    __atomic_store_n(&sx_pool.remaining, sx_pool.parts, __ATOMIC_RELAXED);
    __atomic_add_fetch(&sx_pool.posted, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&sx_pool.wake);
    sx_pool_drain(0);
    if (sx_pool.remaining > 0) { /* the workers' parts: spin, then sleep */
        long long until = sx_now_ns() + SX_SPIN_NS;
        pthread_mutex_unlock(&sx_pool.lock);
        while (__atomic_load_n(&sx_pool.remaining, __ATOMIC_ACQUIRE) > 0 &&
               sx_now_ns() < until) {
            sx_pause();
        }
        pthread_mutex_lock(&sx_pool.lock);
    }
    while (sx_pool.remaining > 0) {
        pthread_cond_wait(&sx_pool.done, &sx_pool.lock);
    }
    sx_pool.busy = 0;
    pthread_mutex_unlock(&sx_pool.lock);
    __atomic_sub_fetch(&sx_callers, 1, __ATOMIC_RELAXED);
}

/* The started workers and the parts they ran. */
static void
sx_pool_stats(int *workers, long *parts)
{
    pthread_mutex_lock(&sx_pool.lock);
    *workers = sx_pool.workers;
    *parts = sx_pool.worker_parts;
    pthread_mutex_unlock(&sx_pool.lock);
}

/* In a child after fork: no workers, a fresh lock and conditions. */
static void
sx_pool_after_fork(void)
{
    pthread_mutex_init(&sx_pool.lock, NULL);
    pthread_cond_init(&sx_pool.wake, NULL);
    pthread_cond_init(&sx_pool.done, NULL);
    sx_pool.workers = 0;
    sx_pool.busy = 0;
    sx_pool.parts = sx_pool.next = sx_pool.remaining = 0;
    sx_pool.posted = sx_pool.worker_parts = 0;
    sx_callers = 0;
}

#endif /* _WIN32 */

#endif /* SELU_XP_POOL_H */

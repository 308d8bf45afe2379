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
 *   own thread, so the threads running never exceed the CPUs asked for.
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

static struct {
    pthread_mutex_t lock; /* guards every field below */
    pthread_cond_t wake, done;
    int workers;          /* started worker threads */
    int busy;             /* a call holds the pool */
    sx_task_fn fn;
    void *arg;
    npy_intp n, step;
    int parts, next, remaining;
    long worker_parts; /* parts the workers ran, for the tests */
} sx_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
             PTHREAD_COND_INITIALIZER, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, 0};

static __thread int sx_serial = 0;

/* Claim and run parts of the current job until none is left; called and
 * returns with the lock held. */
static void
sx_pool_drain(int worker)
{
    while (sx_pool.next < sx_pool.parts) {
        int part = sx_pool.next++;
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
        if (--sx_pool.remaining == 0) {
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
        while (sx_pool.next >= sx_pool.parts) {
            pthread_cond_wait(&sx_pool.wake, &sx_pool.lock);
        }
        sx_pool_drain(1);
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
    int threads = sx_threads;
    npy_intp step;
    if (n < SX_PARALLEL_MIN || threads < 2 || sx_serial ||
        pthread_mutex_trylock(&sx_pool.lock) != 0) {
        task(arg, 0, n);
        return;
    }
    if (sx_pool.busy) {
        pthread_mutex_unlock(&sx_pool.lock);
        task(arg, 0, n);
        return;
    }
    threads = 1 + sx_pool_grow(threads - 1);
    if (threads > n / (SX_PARALLEL_MIN / 2)) {
        threads = (int)(n / (SX_PARALLEL_MIN / 2)); /* parts of 16384 or more */
    }
    step = (n + threads - 1) / threads;
    step = (step + 15) & ~(npy_intp)15; /* whole cache lines */
    sx_pool.busy = 1;
    sx_pool.fn = task;
    sx_pool.arg = arg;
    sx_pool.n = n;
    sx_pool.step = step;
    sx_pool.parts = (int)((n + step - 1) / step);
    sx_pool.next = 0;
    sx_pool.remaining = sx_pool.parts;
    pthread_cond_broadcast(&sx_pool.wake);
    sx_pool_drain(0);
    while (sx_pool.remaining > 0) {
        pthread_cond_wait(&sx_pool.done, &sx_pool.lock);
    }
    sx_pool.busy = 0;
    pthread_mutex_unlock(&sx_pool.lock);
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
    sx_pool.worker_parts = 0;
}

#endif /* _WIN32 */

#endif /* SELU_XP_POOL_H */

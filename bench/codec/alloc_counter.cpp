// Allocation counting by interposition: this executable defines malloc & co., which the
// dynamic linker then uses for every library too (Qt included). The real work is done by
// glibc's exported __libc_* entry points. glibc-only, like the rest of the broker's I/O.
#include "alloc_counter.h"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <execinfo.h>
#include <new>
#include <unistd.h>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
}

namespace {

std::atomic<std::uint64_t> g_count{0};
std::atomic<bool> g_trace{false};
thread_local bool t_inTrace = false;

inline void counted()
{
    g_count.fetch_add(1, std::memory_order_relaxed);
    if (g_trace.load(std::memory_order_relaxed) && !t_inTrace) {
        t_inTrace = true; // backtrace() may allocate the first time
        void *frames[24];
        const int n = backtrace(frames, 24);
        static const char sep[] = "---- allocation\n";
        (void)!::write(2, sep, sizeof sep - 1);
        backtrace_symbols_fd(frames + 1, n - 1, 2);
        t_inTrace = false;
    }
}

void *newOrThrow(std::size_t n)
{
    if (n == 0) n = 1;
    counted();
    if (void *p = __libc_malloc(n)) return p;
    throw std::bad_alloc();
}

void *alignedNewOrThrow(std::size_t n, std::align_val_t al)
{
    if (n == 0) n = 1;
    counted();
    if (void *p = __libc_memalign(std::size_t(al), n)) return p;
    throw std::bad_alloc();
}

} // namespace

namespace petrel::bench {

std::uint64_t allocationCount()
{
    return g_count.load(std::memory_order_relaxed);
}

void setAllocationTrace(bool on)
{
    if (on) {
        void *warm[2];
        t_inTrace = true;
        backtrace(warm, 2); // loads libgcc's unwinder now, not inside a measured call
        t_inTrace = false;
    }
    g_trace.store(on);
}

} // namespace petrel::bench

extern "C" {

void *malloc(size_t n)
{
    counted();
    return __libc_malloc(n);
}

void *calloc(size_t count, size_t n)
{
    counted();
    return __libc_calloc(count, n);
}

void *realloc(void *p, size_t n)
{
    counted();
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

void *memalign(size_t alignment, size_t n)
{
    counted();
    return __libc_memalign(alignment, n);
}

void *aligned_alloc(size_t alignment, size_t n)
{
    counted();
    return __libc_memalign(alignment, n);
}

int posix_memalign(void **out, size_t alignment, size_t n)
{
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    counted();
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

} // extern "C"

void *operator new(std::size_t n)
{
    return newOrThrow(n);
}
void *operator new[](std::size_t n)
{
    return newOrThrow(n);
}
void *operator new(std::size_t n, const std::nothrow_t &) noexcept
{
    try {
        return newOrThrow(n);
    } catch (...) {
        return nullptr;
    }
}
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept
{
    try {
        return newOrThrow(n);
    } catch (...) {
        return nullptr;
    }
}
void *operator new(std::size_t n, std::align_val_t al)
{
    return alignedNewOrThrow(n, al);
}
void *operator new[](std::size_t n, std::align_val_t al)
{
    return alignedNewOrThrow(n, al);
}
void operator delete(void *p) noexcept
{
    __libc_free(p);
}
void operator delete[](void *p) noexcept
{
    __libc_free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    __libc_free(p);
}
void operator delete[](void *p, std::size_t) noexcept
{
    __libc_free(p);
}
void operator delete(void *p, std::align_val_t) noexcept
{
    __libc_free(p);
}
void operator delete[](void *p, std::align_val_t) noexcept
{
    __libc_free(p);
}
void operator delete(void *p, std::size_t, std::align_val_t) noexcept
{
    __libc_free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept
{
    __libc_free(p);
}

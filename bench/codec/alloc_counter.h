// Counts heap allocations in this process: malloc, calloc, realloc, the aligned allocators
// and every operator new are replaced (alloc_counter.cpp) and forward to glibc's allocator.
// Qt containers allocate with malloc/realloc, C++ objects with operator new: both are seen.
#pragma once

#include <cstdint>

namespace petrel::bench {

// Allocation calls so far (malloc, calloc, realloc, aligned allocations, operator new).
std::uint64_t allocationCount();

// While on, every allocation also prints a backtrace to stderr (for finding where one comes from).
void setAllocationTrace(bool on);

} // namespace petrel::bench

/*
 * simd.h - the vector instructions the scanners may use
 *
 * SSE2 is in every amd64 CPU and is used where the compiler says it is
 * there (__SSE2__).  AVX2 is not: a scanner has a second version built
 * with __attribute__((target("avx2"))) where SIMD_AVX2 is defined, and
 * calls it only when simd_have_avx2() says the CPU runs it.  Either
 * version returns the same answer; only the step differs.
 */
#ifndef RELAYHINT_SIMD_H
#define RELAYHINT_SIMD_H

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SIMD_AVX2	1

#if defined(__has_include) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
/*
 * simd_have_avx2 - the CPU runs AVX2 code, as glibc's loader found when
 * it started the process.  __builtin_cpu_supports links libgcc's
 * constructor that asks the CPU again at every start (and at Exim's
 * dlopen of our object): a dozen CPUID instructions, each a VM exit
 * under a hypervisor, a third of relayhint explain's own start-up.
 */
static inline int
simd_have_avx2(void)
{
	return (CPU_FEATURE_ACTIVE(AVX2));
}
#else
/* simd_have_avx2 - the CPU runs AVX2 code (libgcc's word, read-only) */
static inline int
simd_have_avx2(void)
{
	return (__builtin_cpu_supports("avx2"));
}
#endif
#endif

#endif

/*
 * Optional native kernels of @trek/backend-cpu for Node on x86-64 with AVX2 and FMA: the GEMM,
 * the convolutions built on it, and inference's 2×2 max pooling. They work on the same buffers as the WebAssembly kernels
 * (the kernel module's shared linear memory, bound once with `bind`), take the same byte
 * addresses and element strides, and read the same convolution descriptor. Built at install (or
 * package build) time by scripts/build-native.mjs when a C compiler and Node's headers exist;
 * otherwise the WebAssembly kernels do the work.
 *
 * GEMM: Goto-style blocking with a 6×16 FMA micro-kernel (12 ymm accumulators, two B vectors
 * and one broadcast A value: 15 of the 16 ymm registers). Packing buffers are per thread.
 * Forward convolutions (but 1×1 ones) run the same micro-kernel directly on the image, without
 * im2col (see "direct convolution").
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MR 6
#define NR 16
#define KC 320
#define MC 96
#define NC 2048
#define MAX_THREADS 64

static uint8_t *memory_base = NULL;

static __thread float *pack_a = NULL;
static __thread float *pack_b = NULL;

/*
 * Per-thread buffers kept from call to call and grown on demand (packed weights, padded images,
 * im2col columns…): allocating them per call cost page faults on every call once they pass
 * malloc's mmap threshold. The calling (JavaScript) thread keeps the largest it has needed.
 */
enum { KEPT_WEIGHTS, KEPT_TABLES, KEPT_IMAGE, KEPT_BLOCK, KEPT_COLS, KEPT_PRODUCTS, KEPT_OUTPUTS, KEPT_SLOTS };
static __thread void *kept[KEPT_SLOTS];
static __thread size_t kept_bytes[KEPT_SLOTS];

/*
 * Set when a scratch allocation fails on any thread of a call: the kernels then skip their work,
 * and the entry point throws instead of returning an unwritten result.
 */
static atomic_int allocation_failed;

/* A 64-byte aligned buffer of at least `bytes` in this thread's slot (contents unspecified); NULL when out of memory. */
static void *kept_buffer(int slot, size_t bytes) {
  if (kept_bytes[slot] < bytes || !kept[slot]) {
    free(kept[slot]);
    size_t rounded = (bytes + 63) / 64 * 64;
    kept[slot] = aligned_alloc(64, rounded ? rounded : 64);
    kept_bytes[slot] = kept[slot] ? rounded : 0;
    if (!kept[slot]) atomic_store(&allocation_failed, 1);
  }
  return kept[slot];
}

/* Threads are started per call: each frees its buffers before it ends. */
static void free_thread_buffers(void) {
  free(pack_a);
  free(pack_b);
  pack_a = pack_b = NULL;
  for (int slot = 0; slot < KEPT_SLOTS; slot++) {
    free(kept[slot]);
    kept[slot] = NULL;
    kept_bytes[slot] = 0;
  }
}

/*
 * Runs `work` on `count` job records of `size` bytes each: the first on this thread, the others
 * on threads started here, then joined. A share whose thread could not start runs here
 * afterwards, with its `spawned` flag (an int at byte `spawned_at`; −1: none) cleared so that this
 * thread keeps its buffers.
 */
static void run_shares(void *(*work)(void *), void *jobs, size_t size, long spawned_at, int count) {
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  char *job = jobs;
  for (int t = 1; t < count; t++) started[t] = pthread_create(&ids[t], NULL, work, job + t * size) == 0;
  work(job);
  for (int t = 1; t < count; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else {
      if (spawned_at >= 0) *(int *)(job + t * size + spawned_at) = 0;
      work(job + t * size);
    }
  }
}
#define RUN_SHARES(work, jobs, Job, count) run_shares(work, jobs, sizeof(Job), offsetof(Job, spawned), count)

static int ensure_buffers(void) {
  if (!pack_a) pack_a = aligned_alloc(64, sizeof(float) * MC * KC);
  if (!pack_b) pack_b = aligned_alloc(64, sizeof(float) * KC * NC);
  if (!pack_a || !pack_b) atomic_store(&allocation_failed, 1);
  return pack_a && pack_b;
}

#define AT(address) ((float *)(memory_base + (uint32_t)(address)))

/* ---- GEMM ------------------------------------------------------------------------------------ */

static void pack_a_block(const float *a, long rs, long cs, int mc, int kc, float *dst) {
  for (int i = 0; i < mc; i += MR) {
    int rows = mc - i < MR ? mc - i : MR;
    float *d = dst + (long)i * kc;
    const float *src = a + (long)i * rs;
    if (rows == MR && cs == 1) {
      const float *r0 = src, *r1 = src + rs, *r2 = src + 2 * rs, *r3 = src + 3 * rs, *r4 = src + 4 * rs, *r5 = src + 5 * rs;
      for (int k = 0; k < kc; k++, d += MR) {
        d[0] = r0[k]; d[1] = r1[k]; d[2] = r2[k]; d[3] = r3[k]; d[4] = r4[k]; d[5] = r5[k];
      }
    } else {
      for (int k = 0; k < kc; k++, d += MR) {
        for (int r = 0; r < MR; r++) d[r] = r < rows ? src[r * rs + (long)k * cs] : 0.0f;
      }
    }
  }
}

/* 8×8 transpose of eight rows in registers. */
static inline void transpose8(__m256 *r) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

static void pack_b_block(const float *b, long rs, long cs, int kc, int nc, float *dst) {
  for (int j = 0; j < nc; j += NR) {
    int cols = nc - j < NR ? nc - j : NR;
    float *d = dst + (long)j * kc;
    const float *src = b + (long)j * cs;
    if (cols == NR && cs == 1) {
      for (int k = 0; k < kc; k++, d += NR) {
        const float *s = src + (long)k * rs;
        _mm256_store_ps(d, _mm256_loadu_ps(s));
        _mm256_store_ps(d + 8, _mm256_loadu_ps(s + 8));
      }
    } else {
      for (int k = 0; k < kc; k++, d += NR) {
        for (int c = 0; c < NR; c++) d[c] = c < cols ? src[(long)k * rs + (long)c * cs] : 0.0f;
      }
    }
  }
}

/*
 * C (row stride ldc) = A·B, or += when add, for the top-left mr × nr of a 6×16 tile; A packed
 * [k][6], B packed [k][16].
 */
static inline void micro_6x16(int kc, const float *a, const float *b, float *c, long ldc, int add, int mr, int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int k = 0; k < kc; k++, a += MR, b += NR) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), x;
    x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  if (nr == NR) {
    for (int r = 0; r < mr; r++, c += ldc) {
      if (add) {
        _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc[2 * r]));
        _mm256_storeu_ps(c + 8, _mm256_add_ps(_mm256_loadu_ps(c + 8), acc[2 * r + 1]));
      } else {
        _mm256_storeu_ps(c, acc[2 * r]);
        _mm256_storeu_ps(c + 8, acc[2 * r + 1]);
      }
    }
    return;
  }
  /* A ragged right edge: masked stores are microcoded on some CPUs, so bounce through the stack. */
  float tile[NR] __attribute__((aligned(32)));
  for (int r = 0; r < mr; r++, c += ldc) {
    _mm256_store_ps(tile, acc[2 * r]);
    _mm256_store_ps(tile + 8, acc[2 * r + 1]);
    if (add) for (int j = 0; j < nr; j++) c[j] += tile[j];
    else for (int j = 0; j < nr; j++) c[j] = tile[j];
  }
}

/* Bytes of a whole M×K matrix packed for sgemm_block (all K blocks, all row slivers). */
static long packed_a_floats(int M, int K) {
  return (long)((M + MR - 1) / MR) * MR * K;
}

/* The K block size: K split into equal blocks of at most KC (a short last block wastes C traffic). */
static int k_block(int K) {
  int blocks = (K + KC - 1) / KC;
  return blocks <= 1 ? K : ((K + blocks - 1) / blocks + 7) / 8 * 8;
}

/* Packs all of A: K block p starts at p·ceil(M/6)·6, then row slivers of 6 × kc. */
static void pack_a_all(int M, int K, const float *a, long ars, long acs, float *dst) {
  long rows = (long)((M + MR - 1) / MR) * MR;
  int step = k_block(K);
  for (int pc = 0; pc < K; pc += step) {
    int kc = K - pc < step ? K - pc : step;
    pack_a_block(a + pc * acs, ars, acs, M, kc, dst + rows * pc);
  }
}

/*
 * C[m0:m1, n0:n1] = A·B (+ C). `prepacked` (or NULL) is A packed whole by pack_a_all; m0 must
 * then be a multiple of MR.
 */
static void sgemm_block(int m0, int m1, int n0, int n1, int M, int K, const float *a, long ars, long acs, const float *prepacked,
                        const float *b, long brs, long bcs, float *c, long ldc, int accumulate) {
  if (m1 <= m0 || n1 <= n0) return;
  if (K == 0) {
    if (!accumulate) for (int i = m0; i < m1; i++) memset(c + i * ldc + n0, 0, sizeof(float) * (n1 - n0));
    return;
  }
  if (!ensure_buffers()) return;
  long rows = (long)((M + MR - 1) / MR) * MR;
  int step = k_block(K);
  for (int jc = n0; jc < n1; jc += NC) {
    int nc = n1 - jc < NC ? n1 - jc : NC;
    for (int pc = 0; pc < K; pc += step) {
      int kc = K - pc < step ? K - pc : step;
      int add = accumulate || pc > 0;
      pack_b_block(b + pc * brs + jc * bcs, brs, bcs, kc, nc, pack_b);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        const float *apanel;
        if (prepacked) apanel = prepacked + rows * pc + (long)ic * kc;
        else {
          pack_a_block(a + ic * ars + pc * acs, ars, acs, mc, kc, pack_a);
          apanel = pack_a;
        }
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro_6x16(kc, apanel + (long)ir * kc, pack_b + (long)jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, add, mr, nr);
          }
        }
      }
    }
  }
}

/* ---- threads: split the columns (or rows) of one GEMM --------------------------------------- */

typedef struct {
  int m0, m1, n0, n1, M, K;
  const float *a, *prepacked, *b;
  float *c;
  long ars, acs, brs, bcs, ldc;
  int accumulate, spawned;
} GemmJob;

static void *gemm_thread(void *arg) {
  GemmJob *j = (GemmJob *)arg;
  sgemm_block(j->m0, j->m1, j->n0, j->n1, j->M, j->K, j->a, j->ars, j->acs, j->prepacked, j->b, j->brs, j->bcs, j->c, j->ldc,
              j->accumulate);
  if (j->spawned) free_thread_buffers();
  return NULL;
}

static void sgemm_threads(int M, int N, int K, const float *a, long ars, long acs, const float *prepacked, const float *b, long brs,
                          long bcs, float *c, long ldc, int accumulate, int threads) {
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads <= 1 || 2.0 * M * N * K < 3.2e7) { /* thread creation costs ~50 µs */
    sgemm_block(0, M, 0, N, M, K, a, ars, acs, prepacked, b, brs, bcs, c, ldc, accumulate);
    return;
  }
  GemmJob jobs[MAX_THREADS];
  int by_columns = N >= M, align = by_columns ? NR : MR, total = by_columns ? N : M;
  int units = (total + align - 1) / align;
  for (int t = 0; t < threads; t++) {
    int start = (int)((long)units * t / threads) * align, end = (int)((long)units * (t + 1) / threads) * align;
    if (end > total) end = total;
    GemmJob j = {0, M, 0, N, M, K, a, prepacked, b, c, ars, acs, brs, bcs, ldc, accumulate, t > 0};
    if (by_columns) { j.n0 = start; j.n1 = end; } else { j.m0 = start; j.m1 = end; }
    jobs[t] = j;
  }
  RUN_SHARES(gemm_thread, jobs, GemmJob, threads);
}

/* ---- convolution (same descriptor layout as asm/conv.ts) ------------------------------------ */

typedef struct {
  int32_t n, c, h, w, o, kh, kw, groups, oh, ow, sh, sw, ph, pw, dh, dw;
} Conv;

static int pointwise(const Conv *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

/* Output columns s whose input column s·sw + offset lies in [0, W): [*lo, *hi). */
static void valid_columns(const Conv *g, int offset, int *lo, int *hi) {
  int a = offset >= 0 ? 0 : (-offset + g->sw - 1) / g->sw;
  int b = g->w - 1 - offset >= 0 ? (g->w - 1 - offset) / g->sw + 1 : 0;
  if (a > g->ow) a = g->ow;
  if (b > g->ow) b = g->ow;
  if (b < a) b = a;
  *lo = a;
  *hi = b;
}

/* cols[(c·KH + i)·KW + j][r·OW + s] = x[c, r·sh − ph + i·dh, s·sw − pw + j·dw] (0 outside). */
static void im2col(const Conv *g, const float *x, float *cols) {
  int cg = g->c / g->groups, L = g->oh * g->ow, row = 0;
  for (int ci = 0; ci < cg; ci++) {
    const float *channel = x + (long)ci * g->h * g->w;
    for (int i = 0; i < g->kh; i++)
      for (int j = 0; j < g->kw; j++, row++) {
        float *dst0 = cols + (long)row * L;
        int offset = j * g->dw - g->pw, lo, hi;
        valid_columns(g, offset, &lo, &hi);
        for (int r = 0; r < g->oh; r++) {
          int ih = r * g->sh - g->ph + i * g->dh;
          float *dst = dst0 + (long)r * g->ow;
          if (ih < 0 || ih >= g->h) { memset(dst, 0, sizeof(float) * g->ow); continue; }
          const float *src = channel + (long)ih * g->w + offset;
          for (int s = 0; s < lo; s++) dst[s] = 0.0f;
          /* Rows are short (tens of floats): a plain loop beats a memcpy call. */
          if (g->sw == 1) for (int s = lo; s < hi; s++) dst[s] = src[s];
          else for (int s = lo; s < hi; s++) dst[s] = src[(long)s * g->sw];
          for (int s = hi; s < g->ow; s++) dst[s] = 0.0f;
        }
      }
  }
}

/* The transpose of im2col: dx[c, ih, iw] += cols[…] (dx must be initialised). */
static void col2im(const Conv *g, const float *cols, float *dx) {
  int cg = g->c / g->groups, L = g->oh * g->ow, row = 0;
  for (int ci = 0; ci < cg; ci++) {
    float *channel = dx + (long)ci * g->h * g->w;
    for (int i = 0; i < g->kh; i++)
      for (int j = 0; j < g->kw; j++, row++) {
        const float *src0 = cols + (long)row * L;
        int offset = j * g->dw - g->pw, lo, hi;
        valid_columns(g, offset, &lo, &hi);
        for (int r = 0; r < g->oh; r++) {
          int ih = r * g->sh - g->ph + i * g->dh;
          if (ih < 0 || ih >= g->h) continue;
          float *dst = channel + (long)ih * g->w + offset;
          const float *src = src0 + (long)r * g->ow;
          if (g->sw == 1) for (int s = lo; s < hi; s++) dst[s] += src[s];
          else for (int s = lo; s < hi; s++) dst[(long)s * g->sw] += src[s];
        }
      }
  }
}

/* ---- direct convolution (forward) ---------------------------------------------------------- */

/*
 * The forward convolution as a product with output pixels as rows and output channels as
 * columns (outᵀ = colsᵀ·Wᵀ: M = OH·OW, N = O/groups, K = C/groups·KH·KW), so that N is a multiple
 * of the 16-wide micro-kernel for the usual channel counts and M, the ragged side, is split into
 * rows of 6. The im2col matrix is never built: the micro-kernel broadcasts its six pixels' inputs
 * straight from the (zero-padded) image through a table of tap offsets, so only Wᵀ is packed, once
 * per call. Tiles go to a pixel-major block that is transposed into NCHW with the bias added.
 */

#define PIXEL_BLOCK 96 /* pixels per block (16 rows of 6): the block's tiles stay in L1/L2 */

typedef struct {
  int cg, og, ogp, K, step, L, hp, wp, padded;
  int32_t *pixels;  /* per output pixel: its first tap's offset in the (padded) image; rounded up to 6 */
  int32_t *taps;    /* per k = (c·KH + i)·KW + j: c·Hp·Wp + i·dh·Wp + j·dw */
  float *weights;   /* Wᵀ of every group: per K block, slivers of 16 channels as [kc][16] */
  long per_group;   /* floats of packed weights per group */
} Direct;

/*
 * Whether the direct path runs this forward convolution: every one but 1×1 with unit stride,
 * whose input plane already is the GEMM operand (there the taps are a plane apart, and the
 * plain GEMM on the plane measured faster). Measured faster than im2col + GEMM for every other
 * shape tried, from 1 to 512 channels per group (a group of fewer than 16 output channels still
 * fills a 16-wide sliver with zeros).
 */
static int direct_applies(const Conv *g) {
  return !pointwise(g);
}

/*
 * Packs Wᵀ of one group ([og][K] row-major) into K blocks of `step`, slivers of 16 channels
 * ([kc][16], zeros past og): the GEMM's packing of a transposed right operand.
 */
static void pack_weights_t(const float *w, int og, int ogp, int K, int step, float *dst) {
  for (int pc = 0; pc < K; pc += step) {
    int kc = K - pc < step ? K - pc : step;
    pack_b_block(w + pc, 1, K, kc, og, dst + (long)ogp * pc);
  }
}

static int direct_prepare(const Conv *g, const float *w, Direct *d) {
  d->cg = g->c / g->groups;
  d->og = g->o / g->groups;
  d->ogp = (d->og + NR - 1) / NR * NR;
  d->K = d->cg * g->kh * g->kw;
  d->step = k_block(d->K);
  d->L = g->oh * g->ow;
  d->padded = g->ph > 0 || g->pw > 0;
  d->hp = g->h + 2 * g->ph;
  d->wp = g->w + 2 * g->pw;
  int rows = (d->L + MR - 1) / MR * MR;
  d->pixels = kept_buffer(KEPT_TABLES, sizeof(int32_t) * ((size_t)rows + d->K));
  d->taps = d->pixels ? d->pixels + rows : NULL;
  d->per_group = (long)d->ogp * d->K;
  d->weights = kept_buffer(KEPT_WEIGHTS, sizeof(float) * (size_t)d->per_group * g->groups);
  if (!d->pixels || !d->weights) return 0;
  for (int p = 0; p < rows; p++) {
    int q = p < d->L ? p : 0; /* a short last row group repeats pixel 0; those rows are not stored */
    d->pixels[p] = (q / g->ow) * g->sh * d->wp + (q % g->ow) * g->sw;
  }
  int k = 0;
  for (int c = 0; c < d->cg; c++)
    for (int i = 0; i < g->kh; i++)
      for (int j = 0; j < g->kw; j++) d->taps[k++] = (c * d->hp + i * g->dh) * d->wp + j * g->dw;
  for (int group = 0; group < g->groups; group++)
    pack_weights_t(w + (long)group * d->og * d->K, d->og, d->ogp, d->K, d->step, d->weights + d->per_group * group);
  return 1;
}

/*
 * C[6][16] (row stride ldc) = (or +=) Σ_k x[pixel_r + tap_k]·B[k][0:16] for the six pixels
 * r; B packed [k][16].
 */
static inline void direct_micro_6x16(int kc, const float *x, const int32_t *pixel, const int32_t *tap, const float *b, float *c,
                                     long ldc, int add) {
  const float *a0 = x + pixel[0], *a1 = x + pixel[1], *a2 = x + pixel[2], *a3 = x + pixel[3], *a4 = x + pixel[4], *a5 = x + pixel[5];
  /* Opaque to the compiler, so each load is one base + index·4 address (not an lea per pixel). */
  __asm__("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5));
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int k = 0; k < kc; k++, b += NR) {
    long t = tap[k];
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), v;
    v = _mm256_broadcast_ss(a0 + t); c00 = _mm256_fmadd_ps(v, b0, c00); c01 = _mm256_fmadd_ps(v, b1, c01);
    v = _mm256_broadcast_ss(a1 + t); c10 = _mm256_fmadd_ps(v, b0, c10); c11 = _mm256_fmadd_ps(v, b1, c11);
    v = _mm256_broadcast_ss(a2 + t); c20 = _mm256_fmadd_ps(v, b0, c20); c21 = _mm256_fmadd_ps(v, b1, c21);
    v = _mm256_broadcast_ss(a3 + t); c30 = _mm256_fmadd_ps(v, b0, c30); c31 = _mm256_fmadd_ps(v, b1, c31);
    v = _mm256_broadcast_ss(a4 + t); c40 = _mm256_fmadd_ps(v, b0, c40); c41 = _mm256_fmadd_ps(v, b1, c41);
    v = _mm256_broadcast_ss(a5 + t); c50 = _mm256_fmadd_ps(v, b0, c50); c51 = _mm256_fmadd_ps(v, b1, c51);
  }
  if (add) {
    c00 = _mm256_add_ps(c00, _mm256_load_ps(c)); c01 = _mm256_add_ps(c01, _mm256_load_ps(c + 8)); c += ldc;
    c10 = _mm256_add_ps(c10, _mm256_load_ps(c)); c11 = _mm256_add_ps(c11, _mm256_load_ps(c + 8)); c += ldc;
    c20 = _mm256_add_ps(c20, _mm256_load_ps(c)); c21 = _mm256_add_ps(c21, _mm256_load_ps(c + 8)); c += ldc;
    c30 = _mm256_add_ps(c30, _mm256_load_ps(c)); c31 = _mm256_add_ps(c31, _mm256_load_ps(c + 8)); c += ldc;
    c40 = _mm256_add_ps(c40, _mm256_load_ps(c)); c41 = _mm256_add_ps(c41, _mm256_load_ps(c + 8)); c += ldc;
    c50 = _mm256_add_ps(c50, _mm256_load_ps(c)); c51 = _mm256_add_ps(c51, _mm256_load_ps(c + 8));
    c -= 5 * ldc;
  }
  _mm256_store_ps(c, c00); _mm256_store_ps(c + 8, c01); c += ldc;
  _mm256_store_ps(c, c10); _mm256_store_ps(c + 8, c11); c += ldc;
  _mm256_store_ps(c, c20); _mm256_store_ps(c + 8, c21); c += ldc;
  _mm256_store_ps(c, c30); _mm256_store_ps(c + 8, c31); c += ldc;
  _mm256_store_ps(c, c40); _mm256_store_ps(c + 8, c41); c += ldc;
  _mm256_store_ps(c, c50); _mm256_store_ps(c + 8, c51);
}

/* out[o][p] = block[p][o] (+ bias[o]) for mc pixels and og channels; out rows L apart. */
static void direct_store(const float *block, int ldb, int mc, int og, const float *bias, float *out, long L) {
  int o = 0;
  for (; o + 8 <= og; o += 8) {
    __m256 r[8];
    int p = 0;
    for (; p + 8 <= mc; p += 8) {
      for (int q = 0; q < 8; q++) r[q] = _mm256_load_ps(block + (long)(p + q) * ldb + o);
      transpose8(r);
      for (int q = 0; q < 8; q++) {
        __m256 v = bias ? _mm256_add_ps(r[q], _mm256_set1_ps(bias[o + q])) : r[q];
        _mm256_storeu_ps(out + (o + q) * L + p, v);
      }
    }
    for (; p < mc; p++)
      for (int q = 0; q < 8; q++) out[(o + q) * L + p] = block[(long)p * ldb + o + q] + (bias ? bias[o + q] : 0.0f);
  }
  for (; o < og; o++)
    for (int p = 0; p < mc; p++) out[o * L + p] = block[(long)p * ldb + o] + (bias ? bias[o] : 0.0f);
}

/*
 * Output pixels [p0, p1) of one sample and group: x is the group's (padded) image, out its
 * [og][L] output. `block` holds PIXEL_BLOCK × ogp floats.
 */
/*
 * C[mc rows (rounded up to 6)][ogp] (row stride ogp) = (or +=) Σ_k x[row_r + tap_k]·B[k] over one
 * K block of kc, B packed in 16-wide slivers [kc][16] (the direct path's and Winograd's products).
 */
static void direct_tiles(int ogp, const float *x, const int32_t *row, const int32_t *tap, const float *b, int kc, int mc, float *c,
                         int add) {
  for (int jr = 0; jr < ogp; jr += NR)
    for (int ir = 0; ir < mc; ir += MR) direct_micro_6x16(kc, x, row + ir, tap, b + (long)jr * kc, c + (long)ir * ogp + jr, ogp, add);
}

static void direct_pixels(const Direct *d, const float *x, const float *weights, const float *bias, float *out, int p0, int p1,
                          float *block) {
  for (int ic = p0; ic < p1; ic += PIXEL_BLOCK) {
    int mc = p1 - ic < PIXEL_BLOCK ? p1 - ic : PIXEL_BLOCK;
    for (int pc = 0; pc < d->K; pc += d->step) {
      int kc = d->K - pc < d->step ? d->K - pc : d->step;
      direct_tiles(d->ogp, x, d->pixels + ic, d->taps + pc, weights + (long)d->ogp * pc, kc, mc, block, pc > 0);
    }
    direct_store(block, d->ogp, mc, d->og, bias, out + ic, d->L);
  }
}

/* Copies one group's channels into a zero border of (ph, pw): [cg][H + 2ph][W + 2pw]. */
static void pad_image(const Conv *g, const Direct *d, const float *x, float *dst) {
  memset(dst, 0, sizeof(float) * (size_t)d->cg * d->hp * d->wp);
  for (int c = 0; c < d->cg; c++)
    for (int r = 0; r < g->h; r++)
      memcpy(dst + ((long)c * d->hp + r + g->ph) * d->wp + g->pw, x + ((long)c * g->h + r) * g->w, sizeof(float) * g->w);
}

typedef struct {
  const Direct *d;
  const float *x, *weights, *bias;
  float *out;
  int p0, p1, spawned;
} DirectJob;

static void *direct_thread(void *arg) {
  DirectJob *j = (DirectJob *)arg;
  float *block = kept_buffer(KEPT_BLOCK, sizeof(float) * PIXEL_BLOCK * j->d->ogp);
  if (block) direct_pixels(j->d, j->x, j->weights, j->bias, j->out, j->p0, j->p1, block);
  if (j->spawned) free_thread_buffers();
  return NULL;
}

/*
 * Forward over samples [n0, n1) on the direct path; with threads > 1 each sample's pixels are
 * shared among that many threads (a batch too small to share by samples).
 */
static void direct_forward(const Conv *g, const Direct *d, int n0, int n1, const float *x, const float *bias, float *out, int threads) {
  long plane = (long)g->h * g->w;
  float *padded = d->padded ? kept_buffer(KEPT_IMAGE, sizeof(float) * (size_t)d->cg * d->hp * d->wp) : NULL;
  float *block = kept_buffer(KEPT_BLOCK, sizeof(float) * PIXEL_BLOCK * d->ogp);
  if ((d->padded && !padded) || !block) return;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  int units = (d->L + PIXEL_BLOCK - 1) / PIXEL_BLOCK;
  if (threads > units) threads = units;
  for (int n = n0; n < n1; n++) {
    for (int group = 0; group < g->groups; group++) {
      const float *xg = x + ((long)n * g->c + group * d->cg) * plane;
      if (padded) {
        pad_image(g, d, xg, padded);
        xg = padded;
      }
      const float *wg = d->weights + d->per_group * group, *bg = bias ? bias + group * d->og : NULL;
      float *outg = out + ((long)n * g->o + group * d->og) * d->L;
      if (threads <= 1) {
        direct_pixels(d, xg, wg, bg, outg, 0, d->L, block);
        continue;
      }
      DirectJob jobs[MAX_THREADS];
      for (int t = 0; t < threads; t++) {
        int start = (int)((long)units * t / threads) * PIXEL_BLOCK, end = (int)((long)units * (t + 1) / threads) * PIXEL_BLOCK;
        jobs[t] = (DirectJob){d, xg, wg, bg, outg, start, end < d->L ? end : d->L, t > 0};
      }
      RUN_SHARES(direct_thread, jobs, DirectJob, threads);
    }
  }
}

/* ---- Winograd F(2×2, 3×3) forward ----------------------------------------------------------- */

/*
 * 3×3 stride-1 convolutions with enough tiles to amortize the transformed weights: each 2×2
 * block of outputs (a tile) comes from a 4×4 block of inputs as Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A,
 * 16 multiplies per channel pair instead of 36. Per tile position ξ of the 4×4 transform that is
 * one product M_ξ = V_ξ·U_ξ (tiles × channels in, × channels out), run on the direct path's
 * 6×16 micro-kernel (V_ξ rows read in place, U_ξ packed once per call). Inputs are transformed
 * eight channels at a time from a channel-last copy of the padded image, chunks of tiles at a
 * time so that V and M stay in L2; outputs are transformed into a pixel-major block that is
 * transposed into NCHW with the bias added.
 */

#define WINO_TILES 96 /* tiles per chunk (16 rows of 6) */

typedef struct {
  int cp, og, ogp, K, step, th, tw, T, hq, wq;
  int32_t *rows;  /* per tile of a chunk: its row offset t·cp in V_ξ, rounded up to 6 */
  int32_t *taps;  /* 0 … K−1 */
  float *u;       /* per group, per ξ: U_ξ packed as the direct path's Wᵀ ([kc][16] slivers) */
  long per_xi;    /* floats of one packed U_ξ */
} Wino;

/* Whether the Winograd path runs: 3×3, stride 1, no dilation, channel counts of whole vectors, and
 * enough tiles (over the batch) per output channel to pay for transforming the weights. */
static int wino_applies(const Conv *g) {
  int cg = g->c / g->groups, og = g->o / g->groups;
  long tiles = (long)g->n * ((g->oh + 1) / 2) * ((g->ow + 1) / 2);
  return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && cg % 8 == 0 && og % 8 == 0 &&
         cg >= 16 && tiles >= og;
}

/* U = G·g·Gᵀ for one 3×3 kernel g (row-major), G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. */
static void wino_weight(const float *g, float *u /* [16] */) {
  float t[4][3];
  for (int j = 0; j < 3; j++) {
    t[0][j] = g[j];
    t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
    t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
    t[3][j] = g[6 + j];
  }
  for (int i = 0; i < 4; i++) {
    u[4 * i] = t[i][0];
    u[4 * i + 1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
    u[4 * i + 2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
    u[4 * i + 3] = t[i][2];
  }
}

static int wino_prepare(const Conv *g, const float *w, Wino *z) {
  int cg = g->c / g->groups;
  z->cp = cg;
  z->og = g->o / g->groups;
  z->ogp = (z->og + NR - 1) / NR * NR;
  z->K = cg;
  z->step = k_block(cg);
  z->th = (g->oh + 1) / 2;
  z->tw = (g->ow + 1) / 2;
  z->T = z->th * z->tw;
  z->hq = 2 * z->th + 2;
  z->wq = 2 * z->tw + 2;
  z->per_xi = (long)z->ogp * z->K;
  z->rows = kept_buffer(KEPT_TABLES, sizeof(int32_t) * ((size_t)WINO_TILES + z->K));
  z->taps = z->rows ? z->rows + WINO_TILES : NULL;
  z->u = kept_buffer(KEPT_WEIGHTS, sizeof(float) * (size_t)z->per_xi * 16 * g->groups);
  /* Transformed weights as [ξ][o][c] before packing: the im2col scratch slot is free here. */
  float *plain = kept_buffer(KEPT_COLS, sizeof(float) * 16 * (size_t)z->og * cg);
  if (!z->rows || !z->u || !plain) return 0;
  for (int t = 0; t < WINO_TILES; t++) z->rows[t] = t * z->cp;
  for (int k = 0; k < z->K; k++) z->taps[k] = k;
  for (int group = 0; group < g->groups; group++) {
    for (int o = 0; o < z->og; o++)
      for (int c = 0; c < cg; c++) {
        float u[16];
        wino_weight(w + (((long)group * z->og + o) * cg + c) * 9, u);
        for (int xi = 0; xi < 16; xi++) plain[((long)xi * z->og + o) * cg + c] = u[xi];
      }
    for (int xi = 0; xi < 16; xi++)
      pack_weights_t(plain + (long)xi * z->og * cg, z->og, z->ogp, z->K, z->step, z->u + ((long)group * 16 + xi) * z->per_xi);
  }
  return 1;
}

/* Channel-last copy of one group's zero-padded input (with one more zero row and column when
 * the output size is odd): image[r][s][c]. */
static void wino_image(const Conv *g, const Wino *z, const float *x, float *image) {
  int cp = z->cp, wq = z->wq;
  memset(image, 0, sizeof(float) * (size_t)z->hq * wq * cp);
  long plane = (long)g->h * g->w;
  for (int r = 0; r < g->h; r++) {
    float *dst = image + ((long)(r + g->ph) * wq + g->pw) * cp;
    for (int c = 0; c < cp; c += 8) {
      const float *src = x + (long)c * plane + (long)r * g->w;
      if (g->w < 8) {
        for (int q = 0; q < g->w; q++)
          for (int i = 0; i < 8; i++) dst[(long)q * cp + c + i] = src[i * plane + q];
        continue;
      }
      /* 8 × 8 transposes; a short last step overlaps the previous one (rewriting the same values). */
      for (int q = 0; q < g->w; q += 8) {
        if (q + 8 > g->w) q = g->w - 8;
        __m256 v[8];
        for (int i = 0; i < 8; i++) v[i] = _mm256_loadu_ps(src + i * plane + q);
        transpose8(v);
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (long)(q + i) * cp + c, v[i]);
      }
    }
  }
}

/*
 * Tiles [t0, t1) of one group of one sample (t0 a multiple of WINO_TILES): transformed inputs,
 * the 16 products and transformed outputs into y[pixel][channel]. v and m are this thread's.
 */
static void wino_tiles(const Conv *g, const Wino *z, const float *image, const float *u, int t0, int t1, float *v, float *m, float *y) {
  int cp = z->cp, wq = z->wq;
  long v_xi = (long)WINO_TILES * cp, m_xi = (long)WINO_TILES * z->ogp;
  for (; t0 < t1; t0 += WINO_TILES) {
    int tc = t1 - t0 < WINO_TILES ? t1 - t0 : WINO_TILES;
    /* V_ξ[t][c] = (Bᵀ·d·B)[ξ], Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. */
    for (int t = 0; t < tc; t++) {
      int ty = (t0 + t) / z->tw, tx = (t0 + t) % z->tw;
      const float *d0 = image + ((long)2 * ty * wq + 2 * tx) * cp;
      for (int c = 0; c < cp; c += 8) {
        __m256 d[4][4], e[4][4];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++) d[i][j] = _mm256_loadu_ps(d0 + ((long)i * wq + j) * cp + c);
        for (int j = 0; j < 4; j++) {
          e[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
          e[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
          e[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
          e[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
        }
        float *vt = v + (long)t * cp + c;
        for (int i = 0; i < 4; i++) {
          _mm256_storeu_ps(vt + (4 * i) * v_xi, _mm256_sub_ps(e[i][0], e[i][2]));
          _mm256_storeu_ps(vt + (4 * i + 1) * v_xi, _mm256_add_ps(e[i][1], e[i][2]));
          _mm256_storeu_ps(vt + (4 * i + 2) * v_xi, _mm256_sub_ps(e[i][2], e[i][1]));
          _mm256_storeu_ps(vt + (4 * i + 3) * v_xi, _mm256_sub_ps(e[i][1], e[i][3]));
        }
      }
    }
    /* M_ξ = V_ξ·U_ξ (a short last group of 6 rows reads V rows past tc: stale but finite, never stored). */
    for (int xi = 0; xi < 16; xi++) {
      const float *uxi = u + xi * z->per_xi;
      for (int pc = 0; pc < z->K; pc += z->step) {
        int kc = z->K - pc < z->step ? z->K - pc : z->step;
        direct_tiles(z->ogp, v + xi * v_xi, z->rows, z->taps + pc, uxi + (long)z->ogp * pc, kc, tc, m + xi * m_xi, pc > 0);
      }
    }
    /* Y = Aᵀ·M·A, Aᵀ = [1 1 1 0; 0 1 −1 −1], into y[pixel][channel]. */
    for (int t = 0; t < tc; t++) {
      int ty = (t0 + t) / z->tw, tx = (t0 + t) % z->tw;
      int rows = 2 * ty + 1 < g->oh ? 2 : 1, cols = 2 * tx + 1 < g->ow ? 2 : 1;
      for (int o = 0; o < z->og; o += 8) {
        __m256 a[4][4], b[2][4];
        for (int xi = 0; xi < 16; xi++) a[xi / 4][xi % 4] = _mm256_load_ps(m + xi * m_xi + (long)t * z->ogp + o);
        for (int j = 0; j < 4; j++) {
          b[0][j] = _mm256_add_ps(_mm256_add_ps(a[0][j], a[1][j]), a[2][j]);
          b[1][j] = _mm256_sub_ps(_mm256_sub_ps(a[1][j], a[2][j]), a[3][j]);
        }
        for (int i = 0; i < rows; i++) {
          float *at = y + ((long)(2 * ty + i) * g->ow + 2 * tx) * z->ogp + o;
          _mm256_store_ps(at, _mm256_add_ps(_mm256_add_ps(b[i][0], b[i][1]), b[i][2]));
          if (cols == 2) _mm256_store_ps(at + z->ogp, _mm256_sub_ps(_mm256_sub_ps(b[i][1], b[i][2]), b[i][3]));
        }
      }
    }
  }
}

typedef struct {
  const Conv *g;
  const Wino *z;
  const float *image, *u;
  float *y;
  int t0, t1, spawned;
} WinoJob;

static void *wino_thread(void *arg) {
  WinoJob *j = (WinoJob *)arg;
  float *v = kept_buffer(KEPT_BLOCK, sizeof(float) * 16 * (size_t)WINO_TILES * j->z->cp);
  float *m = kept_buffer(KEPT_PRODUCTS, sizeof(float) * 16 * (size_t)WINO_TILES * j->z->ogp);
  if (v && m) wino_tiles(j->g, j->z, j->image, j->u, j->t0, j->t1, v, m, j->y);
  if (j->spawned) free_thread_buffers();
  return NULL;
}

/*
 * Forward over samples [n0, n1) on the Winograd path; with threads > 1 each sample's tiles are
 * shared among that many threads (a batch too small to share by samples). Every tile is computed
 * the same way whichever thread runs it, so results do not depend on the thread count.
 */
static void wino_forward(const Conv *g, const Wino *z, int n0, int n1, const float *x, const float *bias, float *out, int threads) {
  int L = g->oh * g->ow, cg = g->c / g->groups;
  float *image = kept_buffer(KEPT_IMAGE, sizeof(float) * (size_t)z->hq * z->wq * z->cp);
  float *y = kept_buffer(KEPT_OUTPUTS, sizeof(float) * (size_t)L * z->ogp);
  if (!image || !y) return;
  int units = (z->T + WINO_TILES - 1) / WINO_TILES;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads > units) threads = units;
  if (threads < 1) threads = 1;
  for (int n = n0; n < n1; n++)
    for (int group = 0; group < g->groups; group++) {
      const float *u = z->u + (long)group * 16 * z->per_xi;
      wino_image(g, z, x + ((long)n * g->c + group * cg) * g->h * g->w, image);
      WinoJob jobs[MAX_THREADS];
      for (int t = 0; t < threads; t++) {
        int start = (int)((long)units * t / threads) * WINO_TILES, end = (int)((long)units * (t + 1) / threads) * WINO_TILES;
        jobs[t] = (WinoJob){g, z, image, u, y, start, end < z->T ? end : z->T, t > 0};
      }
      RUN_SHARES(wino_thread, jobs, WinoJob, threads);
      direct_store(y, z->ogp, L, z->og, bias ? bias + group * z->og : NULL, out + ((long)n * g->o + group * z->og) * L, L);
    }
}

typedef struct {
  const Conv *g;
  int kind, n0, n1, accumulate, gemm_threads, spawned;
  const float *in0, *in1, *bias;
  float *out;
  const Direct *direct; /* the forward's direct path, or NULL */
  const Wino *wino;     /* the forward's Winograd path, or NULL */
} ConvJob;

enum { CONV_FORWARD = 0, CONV_BACKWARD_INPUT = 1, CONV_BACKWARD_WEIGHT = 2 };

/*
 * One thread's samples: the direct forward, or im2col and one GEMM per sample and group. The
 * weights (forward) and their transpose (input gradient) are packed once per call and reused for
 * every sample.
 */
static void *conv_thread(void *arg) {
  ConvJob *job = (ConvJob *)arg;
  const Conv *g = job->g;
  if (job->wino) {
    wino_forward(g, job->wino, job->n0, job->n1, job->in0, job->bias, job->out, job->gemm_threads);
    if (job->spawned) free_thread_buffers();
    return NULL;
  }
  if (job->direct) {
    direct_forward(g, job->direct, job->n0, job->n1, job->in0, job->bias, job->out, job->gemm_threads);
    if (job->spawned) free_thread_buffers();
    return NULL;
  }
  int cg = g->c / g->groups, og = g->o / g->groups, L = g->oh * g->ow, ckk = cg * g->kh * g->kw;
  long plane = (long)g->h * g->w;
  int pw = pointwise(g);
  float *cols = pw ? NULL : kept_buffer(KEPT_COLS, sizeof(float) * (size_t)ckk * L + 64);
  float *packed = NULL;
  long per_group = 0;
  if (job->kind != CONV_BACKWARD_WEIGHT && job->n1 > job->n0) {
    int rows = job->kind == CONV_FORWARD ? og : ckk, depth = job->kind == CONV_FORWARD ? ckk : og;
    per_group = packed_a_floats(rows, depth);
    packed = kept_buffer(KEPT_WEIGHTS, sizeof(float) * (size_t)per_group * g->groups + 64);
    for (int group = 0; group < g->groups; group++) {
      const float *w = job->in1 + (long)group * og * ckk;
      if (job->kind == CONV_FORWARD) pack_a_all(og, ckk, w, ckk, 1, packed + per_group * group);
      else pack_a_all(ckk, og, w, 1, ckk, packed + per_group * group);
    }
  }
  for (int n = job->n0; n < job->n1; n++) {
    for (int group = 0; group < g->groups; group++) {
      const float *wg = job->in1 + (long)group * og * ckk;
      const float *pg = packed ? packed + per_group * group : NULL;
      if (job->kind == CONV_FORWARD) {
        const float *xg = job->in0 + ((long)n * g->c + group * cg) * plane;
        const float *bmat = xg;
        if (!pw) { im2col(g, xg, cols); bmat = cols; }
        sgemm_threads(og, L, ckk, wg, ckk, 1, pg, bmat, L, 1, job->out + ((long)n * g->o + group * og) * L, L, 0, job->gemm_threads);
      } else if (job->kind == CONV_BACKWARD_INPUT) {
        const float *dy = job->in0 + ((long)n * g->o + group * og) * L;
        float *dxg = job->out + ((long)n * g->c + group * cg) * plane;
        if (pw) sgemm_threads(ckk, L, og, wg, 1, ckk, pg, dy, L, 1, dxg, L, 0, job->gemm_threads);
        else {
          if (group == 0) memset(job->out + (long)n * g->c * plane, 0, sizeof(float) * g->c * plane);
          sgemm_threads(ckk, L, og, wg, 1, ckk, pg, dy, L, 1, cols, L, 0, job->gemm_threads);
          col2im(g, cols, dxg);
        }
      } else {
        const float *dy = job->in0 + ((long)n * g->o + group * og) * L, *xg = job->in1 + ((long)n * g->c + group * cg) * plane;
        const float *bmat = xg;
        if (!pw) { im2col(g, xg, cols); bmat = cols; }
        sgemm_threads(og, ckk, L, dy, L, 1, NULL, bmat, 1, L, job->out + (long)group * og * ckk, ckk, job->accumulate || n > job->n0,
                      job->gemm_threads);
      }
    }
    if (job->kind == CONV_FORWARD && job->bias) {
      for (int o = 0; o < g->o; o++) {
        float b = job->bias[o], *row = job->out + ((long)n * g->o + o) * L;
        for (int k = 0; k < L; k++) row[k] += b;
      }
    }
  }
  if (job->kind == CONV_BACKWARD_WEIGHT && job->n1 <= job->n0 && !job->accumulate) memset(job->out, 0, sizeof(float) * g->o * ckk);
  if (job->spawned) free_thread_buffers();
  return NULL;
}

/* ---- max pooling, 2×2 windows with stride 2, values only ------------------------------------ */

/*
 * Inference's common pooling: every window whole (floor mode, no padding), no indices. Eight
 * outputs per step from two rows of sixteen inputs, deinterleaved into the window's four cells;
 * the choice is the WebAssembly kernel's (a candidate replaces the best unless it is ≤ it, and a
 * NaN best is never replaced), so results are bit for bit the same: the first maximum in window
 * order, or the first NaN.
 */

static inline __m256 pool_pick8(__m256 best, __m256 c) {
  __m256 take = _mm256_andnot_ps(_mm256_cmp_ps(c, best, _CMP_LE_OQ), _mm256_cmp_ps(best, best, _CMP_EQ_OQ));
  return _mm256_blendv_ps(best, c, take);
}

static inline __m128 pool_pick4(__m128 best, __m128 c) {
  __m128 take = _mm_andnot_ps(_mm_cmple_ps(c, best), _mm_cmpeq_ps(best, best));
  return _mm_blendv_ps(best, c, take);
}

/* Even and odd elements of 16 floats, in order. */
static inline void deinterleave8(const float *p, __m256 *even, __m256 *odd) {
  __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}

/* Outputs s..s+7 of one output row (inputs 2s..2s+15 of both rows). */
static inline void pool_row8(const float *r0, const float *r1, float *o, int s) {
  __m256 e0, o0, e1, o1;
  deinterleave8(r0 + 2 * s, &e0, &o0);
  deinterleave8(r1 + 2 * s, &e1, &o1);
  _mm256_storeu_ps(o + s, pool_pick8(pool_pick8(pool_pick8(e0, o0), e1), o1));
}

static inline void pool_row4(const float *r0, const float *r1, float *o, int s) {
  __m128 a0 = _mm_loadu_ps(r0 + 2 * s), a1 = _mm_loadu_ps(r0 + 2 * s + 4);
  __m128 b0 = _mm_loadu_ps(r1 + 2 * s), b1 = _mm_loadu_ps(r1 + 2 * s + 4);
  __m128 best = pool_pick4(_mm_shuffle_ps(a0, a1, 0x88), _mm_shuffle_ps(a0, a1, 0xDD));
  best = pool_pick4(pool_pick4(best, _mm_shuffle_ps(b0, b1, 0x88)), _mm_shuffle_ps(b0, b1, 0xDD));
  _mm_storeu_ps(o + s, best);
}

typedef struct {
  int p0, p1, h, w, oh, ow;
  const float *x;
  float *out;
} PoolJob;

static void *pool_thread(void *arg) {
  PoolJob *j = (PoolJob *)arg;
  int h = j->h, w = j->w, oh = j->oh, ow = j->ow;
  for (int p = j->p0; p < j->p1; p++) {
    const float *xp = j->x + (long)p * h * w;
    float *op = j->out + (long)p * oh * ow;
    for (int r = 0; r < oh; r++) {
      const float *r0 = xp + (long)2 * r * w, *r1 = r0 + w;
      float *o = op + (long)r * ow;
      /* A short last step overlaps the previous one: it rewrites the same values. */
      if (ow >= 8) {
        int s = 0;
        for (; s + 8 <= ow; s += 8) pool_row8(r0, r1, o, s);
        if (s < ow) pool_row8(r0, r1, o, ow - 8);
      } else if (ow >= 4) {
        pool_row4(r0, r1, o, 0);
        if (ow > 4) pool_row4(r0, r1, o, ow - 4);
      } else {
        for (int s = 0; s < ow; s++) {
          float best = r0[2 * s], cells[3] = {r0[2 * s + 1], r1[2 * s], r1[2 * s + 1]};
          for (int q = 0; q < 3; q++)
            if (!(cells[q] <= best) && best == best) best = cells[q];
          o[s] = best;
        }
      }
    }
  }
  return NULL;
}

/* ---- N-API glue -------------------------------------------------------------------------------- */

static int32_t arg_i32(napi_env env, napi_value v) {
  int32_t out = 0;
  napi_get_value_int32(env, v, &out);
  return out;
}

static uint32_t arg_u32(napi_env env, napi_value v) {
  uint32_t out = 0;
  napi_get_value_uint32(env, v, &out);
  return out;
}

/* bind(memoryBytes: Uint8Array): remembers where the kernel memory starts. */
static napi_value bind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || !data) {
    napi_throw_error(env, NULL, "bind: expected a Uint8Array over the kernel memory");
    return NULL;
  }
  memory_base = (uint8_t *)data - offset;
  return NULL;
}

/* Ends an entry point: throws when a scratch allocation failed during the call. */
static napi_value finish_call(napi_env env, const char *kernel) {
  if (atomic_exchange(&allocation_failed, 0)) {
    char message[160];
    snprintf(message, sizeof message, "native %s: out of memory for its scratch buffers (the result was not written)", kernel);
    napi_throw_error(env, NULL, message);
  }
  return NULL;
}

/* sgemm(M, N, K, a, ars, acs, b, brs, bcs, c, ldc, accumulate, threads) */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value v[13];
  napi_get_cb_info(env, info, &argc, v, NULL, NULL);
  if (!memory_base || argc < 13) return NULL;
  atomic_store(&allocation_failed, 0);
  sgemm_threads(arg_i32(env, v[0]), arg_i32(env, v[1]), arg_i32(env, v[2]), AT(arg_u32(env, v[3])), arg_i32(env, v[4]),
                arg_i32(env, v[5]), NULL, AT(arg_u32(env, v[6])), arg_i32(env, v[7]), arg_i32(env, v[8]), AT(arg_u32(env, v[9])),
                arg_i32(env, v[10]), arg_i32(env, v[11]), arg_i32(env, v[12]));
  return finish_call(env, "sgemm");
}

/*
 * conv(kind, desc, in0, in1, bias, out, accumulate, threads, partials): the three convolution
 * kernels over the whole batch, samples shared among threads. For the weight gradient each thread
 * sums into its own partial buffer (thread 0 into `out`), added into `out` at the end.
 */
static napi_value conv(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value v[9];
  napi_get_cb_info(env, info, &argc, v, NULL, NULL);
  if (!memory_base || argc < 9) return NULL;
  int kind = arg_i32(env, v[0]);
  const Conv *g = (const Conv *)(memory_base + arg_u32(env, v[1]));
  uint32_t bias = arg_u32(env, v[4]), partials = arg_u32(env, v[8]);
  int accumulate = arg_i32(env, v[6]), requested = arg_i32(env, v[7]);
  if (requested < 1) requested = 1;
  if (requested > MAX_THREADS) requested = MAX_THREADS;
  /* Share samples among threads when there are enough of them; otherwise thread each GEMM. */
  int threads = requested <= g->n ? requested : 1;
  if (kind == CONV_BACKWARD_WEIGHT && !partials) threads = 1;
  int gemm_threads = threads == 1 ? requested : 1;
  long weights = (long)g->o * (g->c / g->groups) * g->kh * g->kw;
  Direct direct;
  Wino wino;
  int use_wino = kind == CONV_FORWARD && g->n > 0 && wino_applies(g);
  atomic_store(&allocation_failed, 0);
  /* A path whose tables cannot be allocated gives way to the next (which reports its own failure). */
  if (use_wino && !wino_prepare(g, AT(arg_u32(env, v[3])), &wino)) use_wino = 0;
  int use_direct = !use_wino && kind == CONV_FORWARD && direct_applies(g) && g->n > 0;
  if (use_direct && !direct_prepare(g, AT(arg_u32(env, v[3])), &direct)) use_direct = 0;
  atomic_store(&allocation_failed, 0);
  ConvJob jobs[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    ConvJob j = {g, kind, (int)((long)g->n * t / threads), (int)((long)g->n * (t + 1) / threads), accumulate, gemm_threads, t > 0,
                 AT(arg_u32(env, v[2])), AT(arg_u32(env, v[3])), bias ? AT(bias) : NULL, AT(arg_u32(env, v[5])),
                 use_direct ? &direct : NULL, use_wino ? &wino : NULL};
    if (kind == CONV_BACKWARD_WEIGHT && t > 0) {
      j.out = AT(partials) + (t - 1) * weights;
      j.accumulate = 0;
    }
    jobs[t] = j;
  }
  RUN_SHARES(conv_thread, jobs, ConvJob, threads);
  if (kind == CONV_BACKWARD_WEIGHT)
    for (int t = 1; t < threads; t++) {
      float *out = jobs[0].out, *part = jobs[t].out;
      for (long k = 0; k < weights; k++) out[k] += part[k];
    }
  return finish_call(env, "conv2d");
}

/*
 * maxPool2x2(x, out, planes, h, w, oh, ow, threads): values of 2×2/stride-2 max pooling over
 * [planes, h, w] with every window whole (2·oh ≤ h, 2·ow ≤ w); planes shared among threads.
 */
static napi_value max_pool_2x2(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value v[8];
  napi_get_cb_info(env, info, &argc, v, NULL, NULL);
  if (!memory_base || argc < 8) return NULL;
  int planes = arg_i32(env, v[2]), threads = arg_i32(env, v[7]);
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads > planes) threads = planes > 0 ? planes : 1;
  PoolJob jobs[MAX_THREADS];
  for (int t = 0; t < threads; t++)
    jobs[t] = (PoolJob){(int)((long)planes * t / threads), (int)((long)planes * (t + 1) / threads), arg_i32(env, v[3]), arg_i32(env, v[4]),
                        arg_i32(env, v[5]), arg_i32(env, v[6]), AT(arg_u32(env, v[0])), AT(arg_u32(env, v[1]))};
  run_shares(pool_thread, jobs, sizeof(PoolJob), -1, threads); /* pooling keeps no buffers */
  return NULL;
}

/* supported(): whether this CPU runs the AVX2/FMA code. */
static napi_value supported(napi_env env, napi_callback_info info) {
  (void)info;
  __builtin_cpu_init();
  napi_value result;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"bind", NULL, bind, NULL, NULL, NULL, napi_default, NULL},
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv", NULL, conv, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool2x2", NULL, max_pool_2x2, NULL, NULL, NULL, napi_default, NULL},
      {"supported", NULL, supported, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

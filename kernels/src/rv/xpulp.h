/* XpulpV2 instructions for the kernels, emitted with .insn (the Debian toolchain has no Xpulp
 * mnemonics) when TX_HAVE_XPULP is defined (GAP9 builds), exact C stand-ins otherwise so hosts
 * and plain RV32 targets run the same kernel code. Encodings (RI5CY): pv.sdotsp.b = OP 0x57,
 * funct3 1, funct7 0x5C; pv.sdotusp.b funct7 0x54; pv.max.b funct7 0x18; p.lw rd, imm(rs1!) = opcode 0x0B, funct3 2;
 * lp.setup L, rs1, end = opcode 0x7B, funct3 4, rd field = L, imm = (end - pc) / 2. */
#ifndef TINYTX_XPULP_H
#define TINYTX_XPULP_H

#include <stdint.h>

/* acc + sum of the 4 byte products, a and b signed */
static inline int32_t tx_xp_sdotsp(int32_t acc, uint32_t a, uint32_t b)
{
#ifdef TX_HAVE_XPULP
    __asm__(".insn r 0x57, 1, 0x5C, %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
#else
    for (int i = 0; i < 4; ++i)
        acc += (int32_t)(int8_t)(a >> (8 * i)) * (int32_t)(int8_t)(b >> (8 * i));
    return acc;
#endif
}

/* the same with a's bytes unsigned (uint8 probabilities times int8 values) */
static inline int32_t tx_xp_sdotusp(int32_t acc, uint32_t a, uint32_t b)
{
#ifdef TX_HAVE_XPULP
    __asm__(".insn r 0x57, 1, 0x54, %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
#else
    for (int i = 0; i < 4; ++i)
        acc += (int32_t)(uint8_t)(a >> (8 * i)) * (int32_t)(int8_t)(b >> (8 * i));
    return acc;
#endif
}

/* per byte lane, the larger of two signed bytes: pv.max.b (funct6 0x0C) */
static inline uint32_t tx_xp_max_b(uint32_t a, uint32_t b)
{
#ifdef TX_HAVE_XPULP
    uint32_t r;
    __asm__(".insn r 0x57, 1, 0x18, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    uint32_t r = 0;
    for (unsigned k = 0; k < 32; k += 8) {
        const int32_t x = (int8_t)(a >> k), y = (int8_t)(b >> k);
        r |= (uint32_t)(uint8_t)(x >= y ? x : y) << k;
    }
    return r;
#endif
}

/* clamp to int8: p.clip rd, rs1, 8 (the bound's bit count sits in the rs2 field) */
static inline int32_t tx_xp_clip8(int32_t v)
{
#ifdef TX_HAVE_XPULP
    int32_t r;
    __asm__(".insn r 0x33, 1, 0x0A, %0, %1, x8" : "=r"(r) : "r"(v));
    return r;
#else
    return v > 127 ? 127 : (v < -128 ? -128 : v);
#endif
}

/* *p = v, then p += inc: p.sb v, inc(p!) (post-increment by a register) */
static inline int8_t *tx_xp_sb_post(int8_t *p, int32_t v, int32_t inc)
{
#ifdef TX_HAVE_XPULP
    __asm__ volatile(".insn r 0x2B, 4, 0, %[inc], %[p], %[v]"
                     : [p] "+r"(p)
                     : [v] "r"(v), [inc] "r"(inc)
                     : "memory");
    return p;
#else
    *p = (int8_t)v;
    return p + inc;
#endif
}

/* the high word of the signed 64-bit product (mulh) */
static inline int32_t tx_xp_mulh(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * b) >> 32);
}

/* 4 bytes at p, any alignment (RI5CY splits a misaligned word access itself) */
static inline uint32_t tx_xp_word(const void *p)
{
#ifdef TX_HAVE_XPULP
    uint32_t v;
    __asm__("lw %0, 0(%1)" : "=r"(v) : "r"(p), "m"(*(const uint8_t(*)[4])p));
    return v;
#else
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
#endif
}

/* Eight accumulators of a 4 x 2 block, kept in registers across the block and its finishing
 * step (an array whose address escapes would live on the stack). */
typedef struct {
    int32_t c0, c1, c2, c3, c4, c5, c6, c7; /* (row i, column j) -> c[2i + j] */
} tx_xp_acc;

/* which operand's bytes are uint8 in a dot product (the other's are int8) */
enum { TX_XP_SIGNED = 0, TX_XP_A_UNSIGNED = 1, TX_XP_B_UNSIGNED = 2 };

/* acc + the 4-byte dot product of a word of a and a word of b, signedness `uns` */
static inline int32_t tx_xp_dot4(int uns, int32_t acc, uint32_t a, uint32_t b)
{
    if (uns == TX_XP_A_UNSIGNED)
        return tx_xp_sdotusp(acc, a, b);
    if (uns == TX_XP_B_UNSIGNED)
        return tx_xp_sdotusp(acc, b, a);
    return tx_xp_sdotsp(acc, a, b);
}

/* acc += the 4 x 2 block over k < 4*n: rows a + i*lda (i < 4) against rows b + j*ldb (j < 2),
 * n >= 1, signedness `uns` (TX_XP_*). 6 word loads feed 8 packed dot products (32 MACs) per 4 k
 * in a hardware loop. */
static inline tx_xp_acc tx_xp_block4x2(const int8_t *a, int32_t lda, const int8_t *b, int32_t ldb, int32_t n,
                                       int uns, tx_xp_acc acc)
{
#ifdef TX_HAVE_XPULP
    const int8_t *pa0 = a, *pa1 = a + lda, *pa2 = a + 2 * lda, *pa3 = a + 3 * lda;
    const int8_t *pb0 = b, *pb1 = b + ldb;
    int32_t c0 = acc.c0, c1 = acc.c1, c2 = acc.c2, c3 = acc.c3, c4 = acc.c4, c5 = acc.c5, c6 = acc.c6,
            c7 = acc.c7;
    /* lp.setup: the body is the 14 instructions after it, the last at +56 bytes (imm 28). Four
     * fixed temporaries (t0-t3, clobbered) hold the loaded words: b's two (t2, t3) and a's rows
     * alternating in t0 / t1, each loaded two dot products before its first use (no load-use
     * stall), so the compiler keeps two more registers for the code around the loop. */
#define TX_XP_AB(x, y) #x ", " #y
#define TX_XP_BA(x, y) #y ", " #x
#define TX_XP_BODY(DOT, ORDER)                                                                 \
    __asm__ volatile(".option push\n.option norvc\n"                                           \
                     ".insn i 0x7B, 4, x0, %[n], 28\n"                                         \
                     ".insn i 0x0B, 2, t0, %[pa0], 4\n"                                        \
                     ".insn i 0x0B, 2, t2, %[pb0], 4\n"                                        \
                     ".insn i 0x0B, 2, t3, %[pb1], 4\n"                                        \
                     ".insn i 0x0B, 2, t1, %[pa1], 4\n"                                        \
                     ".insn r 0x57, 1, " DOT ", %[c0], " ORDER(t0, t2) "\n"                    \
                     ".insn r 0x57, 1, " DOT ", %[c1], " ORDER(t0, t3) "\n"                    \
                     ".insn i 0x0B, 2, t0, %[pa2], 4\n"                                        \
                     ".insn r 0x57, 1, " DOT ", %[c2], " ORDER(t1, t2) "\n"                    \
                     ".insn r 0x57, 1, " DOT ", %[c3], " ORDER(t1, t3) "\n"                    \
                     ".insn i 0x0B, 2, t1, %[pa3], 4\n"                                        \
                     ".insn r 0x57, 1, " DOT ", %[c4], " ORDER(t0, t2) "\n"                    \
                     ".insn r 0x57, 1, " DOT ", %[c5], " ORDER(t0, t3) "\n"                    \
                     ".insn r 0x57, 1, " DOT ", %[c6], " ORDER(t1, t2) "\n"                    \
                     ".insn r 0x57, 1, " DOT ", %[c7], " ORDER(t1, t3) "\n"                    \
                     ".option pop\n"                                                           \
                     : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3),             \
                       [c4] "+r"(c4), [c5] "+r"(c5), [c6] "+r"(c6), [c7] "+r"(c7),             \
                       [pa0] "+r"(pa0), [pa1] "+r"(pa1), [pa2] "+r"(pa2), [pa3] "+r"(pa3),     \
                       [pb0] "+r"(pb0), [pb1] "+r"(pb1)                                        \
                     : [n] "r"(n)                                                              \
                     : "t0", "t1", "t2", "t3", "memory")
    /* pv.sdotusp.b takes its first source unsigned: b's word goes first when b is the uint8 one */
    if (uns == TX_XP_A_UNSIGNED)
        TX_XP_BODY("0x54", TX_XP_AB);
    else if (uns == TX_XP_B_UNSIGNED)
        TX_XP_BODY("0x54", TX_XP_BA);
    else
        TX_XP_BODY("0x5C", TX_XP_AB);
#undef TX_XP_BODY
#undef TX_XP_AB
#undef TX_XP_BA
    acc.c0 = c0; acc.c1 = c1; acc.c2 = c2; acc.c3 = c3;
    acc.c4 = c4; acc.c5 = c5; acc.c6 = c6; acc.c7 = c7;
#else
    int32_t c[8] = {acc.c0, acc.c1, acc.c2, acc.c3, acc.c4, acc.c5, acc.c6, acc.c7};
    for (int32_t k = 0; k < 4 * n; k += 4)
        for (int i = 0; i < 4; ++i) {
            const uint32_t x = tx_xp_word(a + i * lda + k);
            for (int j = 0; j < 2; ++j) {
                const uint32_t y = tx_xp_word(b + j * ldb + k);
                c[i * 2 + j] = tx_xp_dot4(uns, c[i * 2 + j], x, y);
            }
        }
    acc.c0 = c[0]; acc.c1 = c[1]; acc.c2 = c[2]; acc.c3 = c[3];
    acc.c4 = c[4]; acc.c5 = c[5]; acc.c6 = c[6]; acc.c7 = c[7];
#endif
    return acc;
}

#endif

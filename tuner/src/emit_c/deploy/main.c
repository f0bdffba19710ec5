/* One inference of the exported network's layers on their calibration input: prints crc32=0x........
 * and exits 0 when it is TX_NETWORK_EXPECTED_CRC32 (the tuner's host reference), 1 otherwise.
 * On the host, `network_host IN.npy OUT.npy` instead runs every sample of a float32 array
 * [N][TOKENS][FEATURES] (or one [TOKENS][FEATURES]; the model's input) through tx_network_run_f32 and
 * writes the float32 outputs: [N][OUTPUT_COUNT] for a network with a head, else the input's shape.
 *
 * Host build: a static arena, printf.
 * Firmware build (TX_NETWORK_FIRMWARE): the arena is the firmware's measurement arena and each
 * inference is measured by tx_bench_measure (between the tx_bench_begin/tx_bench_end markers,
 * recorded in tx_mailbox), tx_mailbox.runs times, as tinytx/firmware/mailbox.h protocol v2 asks:
 * a tinytx board agent measures this image as it measures the tuner's own. */
#include "network.h"

static int8_t tx_output[TX_NETWORK_LAYERS_BYTES] __attribute__((aligned(8)));

#if defined(TX_NETWORK_FIRMWARE)

#include "tinytx/firmware/arena.h"
#include "tinytx/firmware/bench.h"
#include "tinytx/firmware/console.h"
#include "tinytx/firmware/mailbox.h"

static tx_status tx_main_infer(void *arena)
{
    return tx_network_run_layers(tx_network_calibration_input(), tx_output, arena);
}

int main(void)
{
    tx_bench_init();
    if (tx_fw_arena_size() < TX_NETWORK_ARENA_BYTES) {
        tx_puts("network: the firmware arena is smaller than TX_NETWORK_ARENA_BYTES\n");
        return 2;
    }
    const tx_bench_spec spec = {
        .config_id = 0,
        .config = TX_NETWORK_NAME,
        .layout_bytes = TX_NETWORK_ARENA_BYTES,
        .scratch_offset = TX_NETWORK_SCRATCH_OFFSET,
        .scratch_size = TX_NETWORK_SCRATCH_BYTES,
        .out = tx_output,
        .out_bytes = TX_NETWORK_LAYERS_BYTES,
    };
    const uint32_t runs = tx_mailbox.runs ? tx_mailbox.runs : 1u;
    tx_bench_result r = {0};
    int failed = 0;
    for (uint32_t i = 0; i < runs; ++i) {
        tx_bench_arena_paint(TX_NETWORK_ARENA_BYTES);
        tx_bench_measure(&spec, tx_main_infer, tx_fw_arena(), &r);
        failed |= r.status != TX_OK || r.crc != TX_NETWORK_EXPECTED_CRC32;
    }
    tx_puts("crc32=");
    tx_put_hex32(r.crc);
    tx_putc('\n');
    if (failed) {
        tx_puts("network: FAILED, status ");
        tx_puts(tx_status_name(r.status));
        tx_puts(", expected crc32=");
        tx_put_hex32(TX_NETWORK_EXPECTED_CRC32);
        tx_putc('\n');
    }
    return failed ? 1 : 0;
}

#else

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t tx_arena[TX_NETWORK_ARENA_BYTES] __attribute__((aligned(8)));

/* ---- .npy files (NumPy's format 1.0 to 3.0): little-endian float32 in C order only */

#define TX_NPY_MAX_DIMS 4

typedef struct {
    size_t shape[TX_NPY_MAX_DIMS];
    int ndim;
    size_t count; /* elements */
} tx_npy_shape;

static int tx_npy_fail(const char *path, const char *why)
{
    fprintf(stderr, "network: %s: %s\n", path, why);
    return -1;
}

/* Parses the header dict of a .npy file: {'descr': '<f4', 'fortran_order': False, 'shape': (...), } */
static int tx_npy_header(const char *path, const char *h, tx_npy_shape *sh)
{
    const char *d = strstr(h, "'descr'");
    if (!d || !(d = strchr(d + 7, '\'')) || strncmp(d, "'<f4'", 5) != 0)
        return tx_npy_fail(path, "not float32 (dtype '<f4'): save it with x.astype(numpy.float32)");
    const char *f = strstr(h, "'fortran_order'");
    if (!f || !strstr(f, "False"))
        return tx_npy_fail(path, "Fortran order: save a C-ordered array (numpy.ascontiguousarray)");
    const char *s = strstr(h, "'shape'");
    if (!s || !(s = strchr(s, '(')))
        return tx_npy_fail(path, "no shape in the header");
    sh->ndim = 0;
    sh->count = 1;
    for (++s; *s && *s != ')';) {
        char *end;
        const unsigned long long v = strtoull(s, &end, 10);
        if (end == s) {
            ++s;
            continue;
        }
        if (sh->ndim == TX_NPY_MAX_DIMS)
            return tx_npy_fail(path, "more than 4 dimensions");
        sh->shape[sh->ndim++] = (size_t)v;
        sh->count *= (size_t)v;
        s = end;
    }
    return 0;
}

static float *tx_npy_read(const char *path, tx_npy_shape *sh)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return NULL;
    }
    unsigned char pre[12];
    float *data = NULL;
    char *h = NULL;
    if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        tx_npy_fail(path, "not a .npy file (save it with numpy.save)");
        goto done;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) { /* a 4-byte header length */
        if (fread(pre + 10, 1, 2, fp) != 2) {
            tx_npy_fail(path, "truncated header");
            goto done;
        }
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (hlen > 1u << 20 || !(h = calloc(hlen + 1, 1)) || fread(h, 1, hlen, fp) != hlen) {
        tx_npy_fail(path, "truncated or oversized header");
        goto done;
    }
    if (tx_npy_header(path, h, sh) != 0)
        goto done;
    if (!(data = malloc(sh->count ? sh->count * sizeof(float) : 1)) ||
        fread(data, sizeof(float), sh->count, fp) != sh->count) {
        tx_npy_fail(path, "fewer values than its shape says");
        free(data);
        data = NULL;
    }
done:
    free(h);
    fclose(fp);
    return data;
}

static int tx_npy_write(const char *path, const float *data, const tx_npy_shape *sh)
{
    char dict[160];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < sh->ndim; ++i)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", sh->shape[i],
                      i + 1 < sh->ndim ? ", " : sh->ndim == 1 ? "," : ""); /* Python's tuple syntax */
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    const size_t padded = ((10u + (size_t)n + 1u + 63u) / 64u) * 64u - 10u; /* header ends in '\n' */
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        return -1;
    }
    const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(padded & 0xFF),
                                   (unsigned char)(padded >> 8)};
    int ok = fwrite(pre, 1, 10, fp) == 10 && fwrite(dict, 1, (size_t)n, fp) == (size_t)n;
    for (size_t i = (size_t)n; ok && i + 1 < padded; ++i)
        ok = fputc(' ', fp) != EOF;
    ok = ok && fputc('\n', fp) != EOF && fwrite(data, sizeof(float), sh->count, fp) == sh->count;
    ok = (fclose(fp) == 0) && ok;
    return ok ? 0 : tx_npy_fail(path, "write failed");
}

/* every [TOKENS][FEATURES] sample of in_path through tx_network_run_f32, into out_path */
static int tx_run_files(const char *in_path, const char *out_path)
{
    const size_t per = TX_NETWORK_INPUT_COUNT, per_out = TX_NETWORK_OUTPUT_COUNT;
    tx_npy_shape sh;
    float *in = tx_npy_read(in_path, &sh);
    if (!in)
        return 1;
    if (sh.ndim < 2 || sh.shape[sh.ndim - 2] * sh.shape[sh.ndim - 1] != per) {
        fprintf(stderr, "network: %s: shape must end in [%u][%u] (tokens, features), as the network's input\n",
                in_path, (unsigned)TX_NETWORK_INPUT_TOKENS, (unsigned)TX_NETWORK_INPUT_FEATURES);
        free(in);
        return 1;
    }
    const size_t n = sh.count / per;
    tx_npy_shape out_sh = sh; /* the input's shape, or [N][OUTPUT_COUNT] when the output differs */
    if (per_out != per) {
        out_sh.ndim = sh.ndim - 1;
        out_sh.shape[out_sh.ndim - 1] = per_out;
        out_sh.count = n * per_out;
    }
    float *out = malloc(out_sh.count ? out_sh.count * sizeof(float) : 1);
    int rc = out ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < n; ++i) {
        const tx_status st = tx_network_run_f32(in + i * per, out + i * per_out, tx_arena);
        if (st != TX_OK) {
            fprintf(stderr, "network: sample %zu: %s\n", i, tx_status_name(st));
            rc = 1;
        }
    }
    if (rc == 0 && tx_npy_write(out_path, out, &out_sh) != 0)
        rc = 1;
    if (rc == 0)
        printf("network: %zu samples from %s into %s\n", n, in_path, out_path);
    free(in);
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3)
        return tx_run_files(argv[1], argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s                  one inference of the layers on their calibration input, checks its CRC\n"
                        "       %s IN.npy OUT.npy   float32 [N][%u][%u] in (the model's input), float32 [N][...] out\n",
                argv[0], argv[0], (unsigned)TX_NETWORK_INPUT_TOKENS, (unsigned)TX_NETWORK_INPUT_FEATURES);
        return 2;
    }
    const tx_status st = tx_network_run_layers(tx_network_calibration_input(), tx_output, tx_arena);
    if (st != TX_OK) {
        fprintf(stderr, "network: %s\n", tx_status_name(st));
        return 1;
    }
    const unsigned long crc = tx_crc32(tx_output, sizeof tx_output);
    printf("crc32=0x%08lx\n", crc);
    if (crc != TX_NETWORK_EXPECTED_CRC32) {
        fprintf(stderr, "network: FAILED, expected crc32=0x%08lx\n", (unsigned long)TX_NETWORK_EXPECTED_CRC32);
        return 1;
    }
    return 0;
}

#endif

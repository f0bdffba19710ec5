/* Running one configuration of the grid on a golden case: inputs, outputs and kernel scratch
 * placed in the arena, measured by the harness, output CRC compared with the golden one. */
#ifndef TX_FW_RUN_H
#define TX_FW_RUN_H

#include "golden_case.h"
#include "grid.h"
#include "tinytx/firmware/bench.h"

typedef struct {
    tx_bench_result r;
    uint32_t expected_crc;
    size_t scratch_size;   /* from the *_get_buffer_size function */
    int fits;              /* the layout fitted in the arena (else r.status = TX_ERR_BUFFER) */
} tx_fw_outcome;

void tx_fw_run(const tx_golden_case *gc, const tx_fw_config *c, uint32_t config_id,
               tx_fw_outcome *o);

/* "mhsa std depthfirst 9 dsp": the fields shared by the CRC and BENCH lines */
void tx_fw_put_config(const tx_fw_config *c);

/* the CASE line: the golden case's name and dimensions */
void tx_fw_put_case(const tx_golden_case *gc);

/* "BUILD cpu=cortex-m4 opt=-O3 cc=gcc-12.2.1": how the image was built */
void tx_fw_put_build(void);

#endif

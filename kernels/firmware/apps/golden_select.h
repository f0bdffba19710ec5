/* The one golden case an image is built for. Each fw_check_<case> / fw_bench_<case> image
 * compiles its golden_<case>.c alone, with a generated golden_select_<case>.c (made by
 * kernels/firmware/CMakeLists.txt) defining this function. */
#ifndef TX_FW_GOLDEN_SELECT_H
#define TX_FW_GOLDEN_SELECT_H

#include "golden_case.h"

const tx_golden_case *tx_fw_golden(void);

#endif

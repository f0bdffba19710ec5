/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bitwise: tiny code, no table in flash.
 * Only used on outputs for checks, never on a hot path. */
#include "tinytx/kernels.h"

uint32_t tx_crc32_update(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

uint32_t tx_crc32(const void *data, size_t n)
{
    return tx_crc32_update(0, data, n);
}

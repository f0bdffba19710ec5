// The pulp-open peripherals the cluster runtime uses, at the addresses GVSoC's pulp-open model has
// them (the firmware side: kernels/firmware/pulp_open.h, cluster_gap9.c, crt0_gap9.S). An access
// to any other register of these blocks faults with the address, so an image that needs more
// of the platform says so instead of running on wrong values.
//
// Cluster control (global)    FETCH_EN: a core bit mask starts those cores at their BOOTADDR
// Icache control (global)     ENABLE / FLUSH (the model starts disabled, as after reset)
// Event unit (per-core alias) MASK_OR; hardware barrier b: TRIGGER_MASK, TARGET_MASK and
//                             WAIT_CLEAR, whose read arrives and sleeps until the trigger mask
//                             is complete
// DMA, mchan (per-core alias) CMD: read = a transfer id; writes = command word (length, bits
//                             17 L2->L1, 18 increment, 19 2-D on the L2 side), L1 address, L2
//                             address (starts a 1-D transfer), then row length and L2 stride
//                             for a 2-D one. STATUS: busy bits; writing 1 << id frees the id.
// SoC control                 CORESTATUS: 0x80000000 | code ends the run with exit status code
// stdout                      one byte register per (cluster, core): the console
#pragma once

#include <cstdint>

namespace tinytx::agent::pulp {

constexpr uint32_t kHartIdFc = 0x3E0;      // cluster 31, core 0

constexpr uint32_t kClusterPeriphBase = 0x10200000u, kClusterPeriphSize = 0x5000u;
constexpr uint32_t kClCtrlFetchEn = 0x10200008u;
constexpr uint32_t kClCtrlBootAddr = 0x10200040u;   // + 4 * core
constexpr uint32_t kIcacheEnable = 0x10201400u, kIcacheFlush = 0x10201404u;
constexpr uint32_t kEuDemux = 0x10204000u;
constexpr uint32_t kEuMaskOr = 0x08u;
constexpr uint32_t kEuBarrierBase = 0x200u, kEuBarrierStride = 0x20u, kEuBarriers = 9;
constexpr uint32_t kEuBarrierTriggerMask = 0x00u, kEuBarrierTargetMask = 0x0Cu, kEuBarrierWaitClear = 0x1Cu;
constexpr uint32_t kDmaDemux = 0x10204400u;
constexpr uint32_t kDmaCmd = 0x0u, kDmaStatus = 0x4u;
constexpr uint32_t kDmaLenMask = 0x1FFFFu, kDmaExt2Loc = 1u << 17, kDmaTwoDimExt = 1u << 19;
constexpr uint32_t kDmaIds = 16;

constexpr uint32_t kSocPeriphBase = 0x1A100000u, kSocPeriphSize = 0x100000u;
constexpr uint32_t kCoreStatus = 0x1A1040A0u;
constexpr uint32_t kStdoutBase = 0x1A10F000u, kStdoutSize = 0x1000u;

}  // namespace tinytx::agent::pulp

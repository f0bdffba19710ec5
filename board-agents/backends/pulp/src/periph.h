// The cluster peripherals' register map (word registers, offsets from kPeriphBase). A model of
// the PULP event unit and cluster DMA reduced to what a fork/join runtime needs; the firmware
// side is kernels/firmware/cluster_gap9.c (same offsets).
//
// Event unit
//   CORE_ID   R   the reading core's id (also CSR mhartid)
//   NUM_CORES R   cores in the cluster
//   TEAM      RW  cores taking part in the next fork and in barriers (1..NUM_CORES)
//   FORK_ARG  RW  argument of the next fork
//   FORK      W   core 0: start the team's workers (value = function); R  worker: sleep until a
//                 fork includes this core, then the function (the core is clock-gated meanwhile)
//   BARRIER   R   trigger and wait: returns when every core of the team has read it
// DMA (one engine, transfers in order; copies are done at start, their cost is a completion
// cycle: setup + bytes / bandwidth + a per-row overhead for 2-D transfers)
//   DMA_SRC, DMA_DST, DMA_LEN (bytes per row), DMA_ROWS (1 = 1-D), DMA_SRC_STRIDE, DMA_DST_STRIDE
//   DMA_START R   starts a transfer with the registers above, returns its id
//   DMA_WAIT  W   stalls the core until transfer `value` has completed
//   DMA_WAIT_ALL R stalls until every transfer has completed, returns 0
#pragma once

#include <cstdint>

namespace tinytx::agent::pulp {

constexpr uint32_t kPeriphBase = 0x10200000u;
constexpr uint32_t kPeriphSize = 0x1000u;

enum PeriphReg : uint32_t {
    kRegCoreId = 0x00,
    kRegNumCores = 0x04,
    kRegTeam = 0x08,
    kRegForkArg = 0x0C,
    kRegFork = 0x10,
    kRegBarrier = 0x14,
    kRegDmaSrc = 0x100,
    kRegDmaDst = 0x104,
    kRegDmaLen = 0x108,
    kRegDmaRows = 0x10C,
    kRegDmaSrcStride = 0x110,
    kRegDmaDstStride = 0x114,
    kRegDmaStart = 0x118,
    kRegDmaWait = 0x11C,
    kRegDmaWaitAll = 0x120,
};

}  // namespace tinytx::agent::pulp

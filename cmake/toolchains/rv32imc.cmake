# Cross build for RV32IMC (ilp32), freestanding: QEMU riscv32 virt, and the scalar core model of
# GAP9's fabric controller. Debian's riscv64-unknown-elf toolchain has no C library and no
# rv32imc multilib, so images bring their own crt0 (kernels/firmware/crt0_rv32.S) and mem*
# functions, and link the rv32im/ilp32 libgcc (plain RV32IM code runs on an RV32IMC core).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(TINYTX_TARGET_CPU rv32)

set(TINYTX_TOOLCHAIN_PREFIX riscv64-unknown-elf- CACHE STRING "Cross tool prefix")
set(CMAKE_C_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_OBJCOPY ${TINYTX_TOOLCHAIN_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${TINYTX_TOOLCHAIN_PREFIX}size CACHE FILEPATH "")

# binutils 2.40 wants _zicsr spelled out for the counter CSRs (mcycle, minstret)
set(TINYTX_RV_FLAGS "-march=rv32imc_zicsr -mabi=ilp32 -mcmodel=medany")
set(CMAKE_C_FLAGS_INIT "${TINYTX_RV_FLAGS} -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${TINYTX_RV_FLAGS} -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${TINYTX_RV_FLAGS}")

# libgcc of the closest multilib (the default one is rv64)
execute_process(
  COMMAND ${TINYTX_TOOLCHAIN_PREFIX}gcc -march=rv32im -mabi=ilp32 -print-libgcc-file-name
  OUTPUT_VARIABLE TINYTX_RV32_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT TINYTX_RV32_LIBGCC OR NOT EXISTS "${TINYTX_RV32_LIBGCC}")
  set(TINYTX_RV32_LIBGCC -lgcc)
endif()
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -nostartfiles -Wl,--gc-sections")
set(CMAKE_C_STANDARD_LIBRARIES "${TINYTX_RV32_LIBGCC}" CACHE STRING "")
set(CMAKE_CXX_STANDARD_LIBRARIES "${TINYTX_RV32_LIBGCC}" CACHE STRING "")

# -O3 vs -O2 vs -Os, measured on QEMU mps2-an386 (EEGFormer, instructions): -O3 runs the
# fastest MHSA in 5.4% fewer instructions than -O2 (10.73 M vs 11.35 M) and the DSP linear in
# 6.5% fewer, for 28% more kernel code (27.1 KB vs 21.2 KB; -Os: 12.7 KB, +9% instructions).
set(TINYTX_FW_OPT "-O3" CACHE STRING "Optimisation flags of the cross build")
set(CMAKE_C_FLAGS_RELEASE "${TINYTX_FW_OPT} -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "${TINYTX_FW_OPT} -DNDEBUG")
set(CMAKE_C_FLAGS_RELWITHDEBINFO "${TINYTX_FW_OPT} -g -DNDEBUG")
set(CMAKE_C_FLAGS_DEBUG "-Og -g")
set(CMAKE_ASM_FLAGS_RELEASE "-DNDEBUG")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Shared part of the Cortex-M toolchain files (cortex-m4.cmake, cortex-m7.cmake).
# The including file sets TINYTX_TARGET_CPU and TINYTX_ARM_CPU_FLAGS before including this one.
#
# Images are freestanding: our own startup (kernels/firmware/startup_cortexm.c), no C library
# (kernels/firmware/libc_min.c provides memcpy/memset/memmove/memcmp), libgcc for helpers.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TINYTX_TOOLCHAIN_PREFIX arm-none-eabi- CACHE STRING "Cross tool prefix")
set(CMAKE_C_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${TINYTX_TOOLCHAIN_PREFIX}gcc)
set(CMAKE_OBJCOPY ${TINYTX_TOOLCHAIN_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${TINYTX_TOOLCHAIN_PREFIX}size CACHE FILEPATH "")

set(CMAKE_C_FLAGS_INIT "${TINYTX_ARM_CPU_FLAGS} -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${TINYTX_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${TINYTX_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -nostartfiles -Wl,--gc-sections")
set(CMAKE_C_STANDARD_LIBRARIES "-lgcc" CACHE STRING "")
set(CMAKE_CXX_STANDARD_LIBRARIES "-lgcc" CACHE STRING "")

# The optimisation level of the firmware build (cached: -DTINYTX_FW_OPT=-O2 overrides it).
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

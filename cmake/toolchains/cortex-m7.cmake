# Cross build for Cortex-M7 (STM32H7, QEMU mps2-an500): Armv7E-M, double-precision FPU, hard float.
set(TINYTX_TARGET_CPU cortex-m7)
set(TINYTX_ARM_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi-common.cmake)

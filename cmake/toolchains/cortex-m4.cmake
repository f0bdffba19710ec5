# Cross build for Cortex-M4F (STM32L4, QEMU mps2-an386): Armv7E-M, single-precision FPU, hard float.
set(TINYTX_TARGET_CPU cortex-m4)
set(TINYTX_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi-common.cmake)

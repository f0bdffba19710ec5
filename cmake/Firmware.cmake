# Firmware for the emulated machines, driven from the host build (included at the end of
# kernels/CMakeLists.txt). For each CPU it configures this same source tree with the CPU's
# toolchain file (ExternalProject), builds fw_selftest, fw_exit_code, fw_check_<case> and
# fw_bench_<case>, and installs the ELFs to ${CMAKE_BINARY_DIR}/bin/firmware/<cpu>/. Then:
#   ctest -L qemu     every image under QEMU (-icount shift=0): the self-tests, the exit-status
#                     path, and fw_check for every (cpu, case) against the golden JSON CRCs
#   cmake --build build --target bench_grid
#                     fw_bench on M4 (mps2-an386), M7 (mps2-an500) and RV32 (virt): the table
#                     and ${CMAKE_BINARY_DIR}/bench/bench.json
#   cmake --build build --target bench
#                     tinytx against CMSIS-NN side by side (kernels/bench/README.md)
include(ExternalProject)

option(TINYTX_FIRMWARE "Cross-build the firmware images and register the QEMU tests" ON)
set(TINYTX_FIRMWARE_CPUS cortex-m4 cortex-m7 rv32 gap9 CACHE STRING
    "CPUs to build firmware for (cortex-m4, cortex-m7, rv32, gap9)")
set(TINYTX_QEMU_TIMEOUT 240 CACHE STRING "Seconds one QEMU test may run")
if(NOT TINYTX_FIRMWARE)
  return()
endif()

set(tinytx_fw_tools ${PROJECT_SOURCE_DIR}/kernels/firmware/tools)
set(TINYTX_FIRMWARE_DIR ${CMAKE_BINARY_DIR}/bin/firmware)

# cpu -> toolchain file, compiler, QEMU binary, run_qemu.py machine name
set(tinytx_fw_cortex-m4_toolchain cortex-m4.cmake)
set(tinytx_fw_cortex-m4_cc arm-none-eabi-gcc)
set(tinytx_fw_cortex-m4_qemu qemu-system-arm)
set(tinytx_fw_cortex-m4_machine m4)
set(tinytx_fw_cortex-m7_toolchain cortex-m7.cmake)
set(tinytx_fw_cortex-m7_cc arm-none-eabi-gcc)
set(tinytx_fw_cortex-m7_qemu qemu-system-arm)
set(tinytx_fw_cortex-m7_machine m7)
set(tinytx_fw_rv32_toolchain rv32imc.cmake)
set(tinytx_fw_rv32_cc riscv64-unknown-elf-gcc)
set(tinytx_fw_rv32_qemu qemu-system-riscv32)
set(tinytx_fw_rv32_machine rv32)
# gap9: the cluster simulator (pulp backend) runs these; its tests live in
# board-agents/backends/pulp/tests
set(tinytx_fw_gap9_toolchain gap9.cmake)
set(tinytx_fw_gap9_cc riscv64-unknown-elf-gcc)

# CMSIS-NN reaches the cross builds for the bench images only (kernels/bench)
include(${PROJECT_SOURCE_DIR}/kernels/bench/cmsis_nn_dir.cmake)

set(tinytx_fw_targets "")
set(tinytx_bench_cpus "")
foreach(cpu IN LISTS TINYTX_FIRMWARE_CPUS)
  if(NOT DEFINED tinytx_fw_${cpu}_toolchain)
    message(FATAL_ERROR "TINYTX_FIRMWARE_CPUS: unknown cpu '${cpu}' (cortex-m4, cortex-m7, rv32, gap9)")
  endif()
  find_program(TINYTX_${cpu}_CC ${tinytx_fw_${cpu}_cc})
  if(NOT TINYTX_${cpu}_CC)
    message(WARNING "tinytx: ${tinytx_fw_${cpu}_cc} not found, no firmware for ${cpu}")
    continue()
  endif()

  ExternalProject_Add(firmware-${cpu}
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${CMAKE_BINARY_DIR}/firmware/${cpu}
    INSTALL_DIR ${TINYTX_FIRMWARE_DIR}/${cpu}
    CMAKE_GENERATOR ${CMAKE_GENERATOR}
    CMAKE_ARGS
      -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchains/${tinytx_fw_${cpu}_toolchain}
      -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR>
      -DTINYTX_GOLDEN_DIR=${TINYTX_GOLDEN_DIR}
      -DCMSIS_NN_DIR=${CMSIS_NN_DIR}
    CMAKE_CACHE_ARGS
      -DTINYTX_GOLDEN_CASES:STRING=${TINYTX_GOLDEN_CASES}
    DEPENDS golden
    BUILD_ALWAYS ON
  )
  list(APPEND tinytx_fw_targets firmware-${cpu})
  if(NOT DEFINED tinytx_fw_${cpu}_qemu)
    continue()
  endif()

  find_program(TINYTX_${cpu}_QEMU ${tinytx_fw_${cpu}_qemu})
  if(NOT TINYTX_${cpu}_QEMU)
    message(WARNING "tinytx: ${tinytx_fw_${cpu}_qemu} not found, no QEMU tests for ${cpu}")
    continue()
  endif()
  set(m ${tinytx_fw_${cpu}_machine})
  set(dir ${TINYTX_FIRMWARE_DIR}/${cpu})

  add_test(NAME qemu_selftest_${cpu}
           COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/run_qemu.py --machine ${m}
                   --timeout ${TINYTX_QEMU_TIMEOUT} ${dir}/fw_selftest.elf)
  set_tests_properties(qemu_selftest_${cpu} PROPERTIES LABELS qemu TIMEOUT ${TINYTX_QEMU_TIMEOUT}
                       PASS_REGULAR_EXPRESSION "SELFTEST PASS")
  add_test(NAME qemu_exit_code_${cpu}
           COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/run_qemu.py --machine ${m}
                   --timeout 30 --expect-status 42 ${dir}/fw_exit_code.elf)
  set_tests_properties(qemu_exit_code_${cpu} PROPERTIES LABELS qemu TIMEOUT 60)
  add_test(NAME qemu_gemm_sweep_${cpu}
           COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/run_qemu.py --machine ${m}
                   --timeout ${TINYTX_QEMU_TIMEOUT} ${dir}/fw_gemm_sweep.elf)
  set_tests_properties(qemu_gemm_sweep_${cpu} PROPERTIES LABELS qemu TIMEOUT ${TINYTX_QEMU_TIMEOUT}
                       PASS_REGULAR_EXPRESSION "GEMM SWEEP PASS")
  add_test(NAME qemu_fault_${cpu}
           COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/run_qemu.py --machine ${m}
                   --timeout 30 --expect-status 3 ${dir}/fw_fault.elf)
  set_tests_properties(qemu_fault_${cpu} PROPERTIES LABELS qemu TIMEOUT 60
                       PASS_REGULAR_EXPRESSION "FAULT .*exit status 3, expected 3: ok")
  if(NOT cpu STREQUAL "gap9")
    # the attention softmax on the target against its per-element divide, hard rows
    add_test(NAME qemu_softmax_${cpu}
             COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/run_qemu.py --machine ${m}
                     --timeout ${TINYTX_QEMU_TIMEOUT} ${dir}/fw_softmax_bench.elf)
    set_tests_properties(qemu_softmax_${cpu} PROPERTIES LABELS qemu TIMEOUT ${TINYTX_QEMU_TIMEOUT}
                         PASS_REGULAR_EXPRESSION "SOFTMAX CHECK ok")
  endif()
  foreach(case IN LISTS TINYTX_GOLDEN_CASES)
    add_test(NAME qemu_check_${cpu}_${case}
             COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/check_crc.py --machine ${m}
                     --timeout ${TINYTX_QEMU_TIMEOUT} --elf ${dir}/fw_check_${case}.elf
                     --json ${TINYTX_GOLDEN_DIR}/golden_${case}.json)
    set_tests_properties(qemu_check_${cpu}_${case} PROPERTIES LABELS qemu
                         TIMEOUT ${TINYTX_QEMU_TIMEOUT})
  endforeach()
  list(APPEND tinytx_bench_cpus ${m})
endforeach()

# the bench-harness smoke test: the smallest case through bench.py (label bench, not qemu)
if(tinytx_bench_cpus)
  list(JOIN tinytx_bench_cpus "," bench_cpus)
  add_test(NAME bench_smoke
           COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/bench.py
                   --firmware-dir ${TINYTX_FIRMWARE_DIR} --cpus ${bench_cpus} --cases odd
                   --out ${CMAKE_BINARY_DIR}/bench/bench_smoke.json)
  set_tests_properties(bench_smoke PROPERTIES LABELS bench TIMEOUT ${TINYTX_QEMU_TIMEOUT})

  add_custom_target(bench_grid
    COMMAND ${TINYTX_PYTHON} ${tinytx_fw_tools}/bench.py --firmware-dir ${TINYTX_FIRMWARE_DIR}
            --cpus ${bench_cpus} --out ${CMAKE_BINARY_DIR}/bench/bench.json
    DEPENDS ${tinytx_fw_targets}
    USES_TERMINAL
    COMMENT "Benchmarking the kernels under QEMU (-icount shift=0)")
endif()

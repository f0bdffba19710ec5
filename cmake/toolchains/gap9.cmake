# Cross build for the GAP9 cluster: the RV32IMC toolchain of rv32imc.cmake plus the XpulpV2
# instructions, which the kernels emit with .insn (TX_HAVE_XPULP; Debian's binutils has no Xpulp
# mnemonics). Images link with kernels/firmware/ld/gap9.ld and run on the pulp backend only.
include(${CMAKE_CURRENT_LIST_DIR}/rv32imc.cmake)
set(TINYTX_TARGET_CPU gap9)
string(APPEND CMAKE_C_FLAGS_INIT " -DTX_HAVE_XPULP=1")

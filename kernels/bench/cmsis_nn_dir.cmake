# Where CMSIS-NN's sources are, for the side-by-side bench only (kernels/bench; never linked into
# the kernel library): -DCMSIS_NN_DIR=..., else the environment's CMSIS_NN_DIR, else
# ../shared/third_party/cmsis-nn beside the repository. Sets TINYTX_CMSIS_NN_FOUND.
if(DEFINED ENV{CMSIS_NN_DIR})
  set(tinytx_cmsis_nn_default $ENV{CMSIS_NN_DIR})
else()
  get_filename_component(tinytx_cmsis_nn_default
                         ${PROJECT_SOURCE_DIR}/../shared/third_party/cmsis-nn ABSOLUTE)
endif()
set(CMSIS_NN_DIR ${tinytx_cmsis_nn_default} CACHE PATH
    "CMSIS-NN sources (Include/, Source/) for the bench against CMSIS-NN")
if(CMSIS_NN_DIR AND EXISTS ${CMSIS_NN_DIR}/Include/arm_nnfunctions.h)
  set(TINYTX_CMSIS_NN_FOUND ON)
else()
  set(TINYTX_CMSIS_NN_FOUND OFF)
endif()

# The C templates of the generated C (ARCHITECTURE.md "Generated C"): real C files whose text the
# tuner carries as string constants, and the tests that compile them.
#
# tinytx_embed_c_templates(<target> HEADER <h> NAMESPACE <ns> TEMPLATES <file>...): adds to
# <target> a source, generated at build time by embed_c_templates.cmake, that defines each
# template of the calling folder's templates/ as `const std::string_view <name_c>` in <ns>
# (declared by the target in <h>), so the tuner reads no file to generate C.
#
# tinytx_c_template_test(<test> <template> INCLUDES <dir>... [FLAGS <flag>...]): a unit test that
# compiles <template> with the host compiler, warnings as errors, against the kernels' and
# firmware's headers and the given folders (examples of the generated parts): a broken template
# fails there, before any image or export is built.
function(tinytx_embed_c_templates target)
  cmake_parse_arguments(arg "" "HEADER;NAMESPACE" "TEMPLATES" ${ARGN})
  list(TRANSFORM arg_TEMPLATES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/templates/)
  string(JOIN "|" templates_arg ${arg_TEMPLATES})
  file(RELATIVE_PATH origin ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/templates)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_c_templates.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DTEMPLATES=${templates_arg} -DHEADER=${arg_HEADER}
            -DNAMESPACE=${arg_NAMESPACE} -DORIGIN=${origin}/ -P ${PROJECT_SOURCE_DIR}/cmake/embed_c_templates.cmake
    DEPENDS ${arg_TEMPLATES} ${PROJECT_SOURCE_DIR}/cmake/embed_c_templates.cmake
    COMMENT "Embedding the C templates of ${origin}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

function(tinytx_c_template_test test template)
  cmake_parse_arguments(arg "" "" "INCLUDES;FLAGS" ${ARGN})
  set(includes ${arg_INCLUDES} ${PROJECT_SOURCE_DIR}/kernels/include ${PROJECT_SOURCE_DIR}/kernels/src
               ${PROJECT_SOURCE_DIR}/kernels/firmware ${PROJECT_SOURCE_DIR}/kernels/firmware/include)
  list(TRANSFORM includes PREPEND -I)
  string(MAKE_C_IDENTIFIER "${test}" object)
  add_test(NAME ${test}
           COMMAND ${CMAKE_C_COMPILER} -std=c11 -Wall -Wextra -Werror -O2 ${arg_FLAGS} ${includes}
                   -c ${template} -o ${CMAKE_CURRENT_BINARY_DIR}/${object}.o)
  set_tests_properties(${test} PROPERTIES LABELS unit)
endfunction()

# tinytx_grpc_proto(<target> <proto>): a static library <target> with the protobuf and gRPC C++ code
# of schemas/proto/<proto> (e.g. tinytx/v1/agent.proto), generated into the calling folder's build
# directory; its users include "tinytx/v1/<name>.pb.h" / "tinytx/v1/<name>.grpc.pb.h".
find_package(Protobuf REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

function(tinytx_grpc_proto target proto)
  set(proto_dir ${PROJECT_SOURCE_DIR}/schemas/proto)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  string(REGEX REPLACE "\\.proto$" "" stem ${proto})
  set(headers ${gen_dir}/${stem}.pb.h ${gen_dir}/${stem}.grpc.pb.h)
  set(sources ${gen_dir}/${stem}.pb.cc ${gen_dir}/${stem}.grpc.pb.cc)
  add_custom_command(
    OUTPUT ${sources} ${headers}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${gen_dir}
    COMMAND protobuf::protoc --proto_path=${proto_dir} --cpp_out=${gen_dir} --grpc_out=${gen_dir}
            --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${proto_dir}/${proto}
    DEPENDS ${proto_dir}/${proto}
    COMMENT "protoc: ${proto}"
    VERBATIM)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${gen_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf PkgConfig::GRPCPP)
endfunction()

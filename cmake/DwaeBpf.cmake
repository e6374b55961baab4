# BPF programs of our own: bpf/<name>.bpf.c -> <name>.bpf.o (clang, CO-RE) -> <name>.skel.h
# (bpftool gen skeleton), against a vmlinux.h dumped from the build machine's kernel BTF into
# the build directory (never committed). CO-RE relocates field offsets at load time, so the
# objects run on other kernels with BTF too.

find_program(DWAE_BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(DWAE_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
find_program(DWAE_LLVM_STRIP NAMES llvm-strip llvm-strip-14)
set(DWAE_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH
    "Kernel BTF from which vmlinux.h is generated for BPF programs")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(DWAE_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(DWAE_BPF_ARCH arm64)
else()
  message(FATAL_ERROR "DwaeBpf: no BPF target arch for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# dwae_bpf_skeletons(<target> SOURCES <x.bpf.c>... [HEADERS <shared .h>...]): compiles each
# source and makes its skeleton header "<x>.skel.h" includable (as a system header, so the
# generated code is not held to our warnings) from <target>'s sources.
# Call it once per directory.
function(dwae_bpf_skeletons target)
  cmake_parse_arguments(ARG "" "" "SOURCES;HEADERS" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(vmlinux_h ${gen_dir}/vmlinux.h)
  file(MAKE_DIRECTORY ${gen_dir})
  add_custom_command(
    OUTPUT ${vmlinux_h}
    COMMAND ${DWAE_BPFTOOL} btf dump file ${DWAE_VMLINUX_BTF} format c > ${vmlinux_h}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${vmlinux_h}.tmp ${vmlinux_h}
    COMMENT "Generating vmlinux.h from ${DWAE_VMLINUX_BTF}"
    VERBATIM)
  set(skeletons)
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src_abs ${src} ABSOLUTE)
    get_filename_component(src_dir ${src_abs} DIRECTORY)
    get_filename_component(name ${src_abs} NAME)
    string(REGEX REPLACE "\\.bpf\\.c$" "" stem ${name})
    set(obj ${gen_dir}/${stem}.bpf.o)
    set(skel ${gen_dir}/${stem}.skel.h)
    set(strip_cmd)
    if(DWAE_LLVM_STRIP)
      # DWARF is only for reading; BTF (kept) is what libbpf needs. Keeps the skeleton small.
      set(strip_cmd COMMAND ${DWAE_LLVM_STRIP} -g ${obj})
    endif()
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${DWAE_BPF_CLANG} -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_${DWAE_BPF_ARCH}
              -I${gen_dir} -I${src_dir} -c ${src_abs} -o ${obj}
      ${strip_cmd}
      DEPENDS ${src_abs} ${ARG_HEADERS} ${vmlinux_h}
      COMMENT "Compiling BPF program ${name}"
      VERBATIM)
    add_custom_command(
      OUTPUT ${skel}
      COMMAND ${DWAE_BPFTOOL} gen skeleton ${obj} name ${stem}_bpf > ${skel}.tmp
      COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
      DEPENDS ${obj}
      COMMENT "Generating BPF skeleton ${stem}.skel.h"
      VERBATIM)
    list(APPEND skeletons ${skel})
  endforeach()
  add_custom_target(${target}_bpf_skeletons DEPENDS ${skeletons})
  add_dependencies(${target} ${target}_bpf_skeletons)
  target_include_directories(${target} SYSTEM PRIVATE ${gen_dir})
endfunction()

# Compiler flags of the project's own targets, per compiler (other compilers get none of them).
set(_hdrgpu_gcc_like "$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU,Clang,AppleClang>>")

function(hdrgpu_warnings target)
  target_compile_options(${target} PRIVATE $<${_hdrgpu_gcc_like}:-Wall -Wextra>)
endfunction()

# The libraries: warnings, and the same per-pixel f32 results on every build, so no silent FMA
# contraction in host code. Private to the libraries: the header templates compile in a consumer's
# translation units with the consumer's flags (docs/design.md).
function(hdrgpu_strict_flags target)
  hdrgpu_warnings(${target})
  target_compile_options(${target} PRIVATE $<${_hdrgpu_gcc_like}:-ffp-contract=off>
                                           $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:MSVC>>:/fp:precise>)
endfunction()

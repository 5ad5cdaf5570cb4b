# SPDX-License-Identifier: MIT
# Console input into a hostile ring (issue 11, part 6): a domU scribbles over its console ring's indices
# while keys are typed to it; the writer (dom0's backend, or the hypervisor alone when dom0 has none)
# must stay inside the ring and keep serving the other domain, which echoes what it then receives.
security_guest(console_scribble ${SEC_SRC}/console/console_scribble.c)
foreach(mode dom0 hv)
  if(mode STREQUAL dom0)
    # dom0 builds both (its toolstack) and reports them; the hypervisor reports dom0.
    set(first "${PROJECT_BINARY_DIR}/backends/dom0/dom0.elf @toolstack")
    set(banner "dom0: console input goes to d2 \\(echo\\)")
    set(results --expect "dom0: result: 2 of 2 domains it built ended as expected"
      --expect "result: 1 of 1 domains ended as expected" ${SEC_BY_DOM0})
  else()
    set(first "${PROJECT_BINARY_DIR}/tests/boot/guests/hello.elf")
    set(banner "console: input goes to d2 \\(echo\\)")
    set(results --expect "result: 3 of 3 domains ended as expected")
  endif()
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/console_scribble_${mode}.keys
    "wait \\(d1 scribbler\\) scribble: scribbling\nwait \\(d2 echo\\) echo: ready\n"
    "send 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\\n\n"
    "send 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\\n\n"
    "send \\x01\\x01\\x01\nwait ${banner}\nsend after the scribbler\\nquit\\n\n")
  security_test(console_scribble_${mode} --status ok --keys ${CMAKE_CURRENT_BINARY_DIR}/console_scribble_${mode}.keys
    --expect "\\(d1 scribbler\\) scribble: [0-9]+ index writes"
    --expect "\\(d1 scribbler\\) Test result: SUCCESS"
    --expect "\\(d2 echo\\) echo: got 'after the scribbler'"
    --expect "\\(d2 echo\\) Test result: SUCCESS"
    ${results}
    --expect "every frame returned"
    --reject "HYPERVISOR (CRASH|PANIC)" --reject "crashed"
    -- --cpus 2 --mem 512 --timeout 90
       --modules "${first},${SEC_GUEST_DIR}/console_scribble.elf @name=scribbler @mem=16M,${PROJECT_BINARY_DIR}/tests/boot/guests/console_echo.elf @name=echo @mem=16M")
endforeach()

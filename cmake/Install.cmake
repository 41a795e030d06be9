# SPDX-License-Identifier: Apache-2.0
# `cmake --install build --prefix P`: the four operator programs, the dictionaries and schemas, the
# example configs, the systemd unit, the monitoring files and the docs (docs/OPERATIONS.md,
# "Installing"). The benchmark and generator programs are development tools and stay in the build.
include(GNUInstallDirs)

install(TARGETS fixgate fixgate_simulator fixgate_client fixgate_journal_tool
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Programs look for ../share/fixgate/spec beside themselves; keep this path in step with spec_dir.cpp.
install(DIRECTORY spec/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fixgate/spec)
install(FILES config/fixgate.yaml config/fixgate-tse.yaml config/fixgate-container.yaml
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fixgate/examples)
install(DIRECTORY deploy/prometheus deploy/grafana DESTINATION ${CMAKE_INSTALL_DATADIR}/fixgate)
install(FILES README.md LICENSE NOTICE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit names the installed daemon by its absolute path, so it is written at install time, for
# the prefix given then (`cmake --install --prefix P`), not the one configured.
install(CODE "
  set(bindir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(docdir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/deploy/systemd/fixgate.service.in\"
                 \"${PROJECT_BINARY_DIR}/deploy/fixgate.service\" @ONLY)
  file(INSTALL \"${PROJECT_BINARY_DIR}/deploy/fixgate.service\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
")
install(FILES deploy/systemd/fixgate.sysusers DESTINATION lib/sysusers.d RENAME fixgate.conf)
install(FILES deploy/systemd/fixgate.tmpfiles DESTINATION lib/tmpfiles.d RENAME fixgate.conf)

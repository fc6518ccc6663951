# The Debian package (scripts/package.sh): /usr/bin/kata-rt, the systemd unit, an example config
# under /etc/kata-rt (a conffile), the docs, a system user created by postinst, and Depends
# computed from the binary's shared libraries by dpkg-shlibdeps. Included from the top-level
# CMakeLists.txt; `cpack -G DEB` packs what these install rules install.

# `cpack` must not build every target (tests, benchmarks) first: scripts/package.sh builds the
# kata-rt target alone.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS kata-rt RUNTIME DESTINATION bin)
install(FILES "${CMAKE_CURRENT_LIST_DIR}/kata-rt.service" DESTINATION /lib/systemd/system)
install(FILES "${CMAKE_CURRENT_LIST_DIR}/config.json" DESTINATION /etc/kata-rt)
file(GLOB KATA_RT_PACKAGE_DOCS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/docs/*.md")
install(FILES "${CMAKE_SOURCE_DIR}/README.md" "${CMAKE_SOURCE_DIR}/LICENSE" ${KATA_RT_PACKAGE_DOCS}
  DESTINATION share/doc/kata-rt)
# Debian looks for the license in /usr/share/doc/PACKAGE/copyright.
install(FILES "${CMAKE_SOURCE_DIR}/LICENSE" DESTINATION share/doc/kata-rt RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kata-rt)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "kata-rt")
set(CPACK_PACKAGE_CONTACT "kata-rt maintainers <kata-rt@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time WebSocket gateway")
set(CPACK_PACKAGE_DESCRIPTION "kata-rt delivers events published over HTTP to WebSocket \
subscribers of channels, with resume after reconnects, per-team authorization, TLS, metrics and \
a Redis broker for several nodes.")
# DESTDIR staging, so the absolute destinations (/etc, /lib/systemd) land in the package and
# never in the building machine's own /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # kata-rt_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst; the libraries' packages are added to it
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_CURRENT_LIST_DIR}/postinst"
  "${CMAKE_CURRENT_LIST_DIR}/postrm"
  "${CMAKE_CURRENT_LIST_DIR}/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

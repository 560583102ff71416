# Package petrel-admin: included by installer/CMakeLists.txt when gui/ defines the target.
set(admin_id org.petrel.Admin) # AppStream id = desktop file name
install(TARGETS petrel-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT admin)
petrel_strip_on_install(admin ${CMAKE_INSTALL_BINDIR}/petrel-admin --strip-unneeded)
install(FILES desktop/${admin_id}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications
        COMPONENT admin)
configure_file(desktop/${admin_id}.metainfo.xml.in ${gen}/${admin_id}.metainfo.xml @ONLY)
install(FILES ${gen}/${admin_id}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo
        COMPONENT admin)
install(FILES ${gen}/petrel-admin.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT admin)
petrel_install_debian_docs(admin petrel-admin)

# Icons in the hicolor theme: the SVG, and PNGs rendered from it at build time when
# rsvg-convert (librsvg2-bin) is there (desktops without SVG support, e.g. some docks).
set(admin_icon ${PROJECT_SOURCE_DIR}/resources/icons/petrel-admin.svg)
if(NOT EXISTS ${admin_icon})
  message(FATAL_ERROR "petrel-admin's icon ${admin_icon} is missing (installer/admin.cmake)")
endif()
install(FILES ${admin_icon} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
        COMPONENT admin)
find_program(PETREL_RSVG_CONVERT rsvg-convert)
if(PETREL_RSVG_CONVERT)
  set(admin_pngs)
  foreach(size 16 22 24 32 48 64 128 256)
    set(png ${gen}/icons/${size}x${size}/petrel-admin.png)
    add_custom_command(
      OUTPUT ${png}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${gen}/icons/${size}x${size}
      COMMAND ${PETREL_RSVG_CONVERT} --width=${size} --height=${size} --keep-aspect-ratio
              --output=${png} ${admin_icon}
      DEPENDS ${admin_icon}
      COMMENT "Rendering petrel-admin icon ${size}x${size}"
      VERBATIM)
    list(APPEND admin_pngs ${png})
    install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
            COMPONENT admin)
  endforeach()
  add_custom_target(petrel-admin-icons ALL DEPENDS ${admin_pngs})
else()
  message(STATUS "rsvg-convert not found: petrel-admin installs its scalable icon only")
endif()

# Generated from base/toolchain/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch toolchain && docker build build/context/toolchain
# BOM: {"deb:gcc-12":"12.2.0-14"}

FROM atelier/os:key-<key> AS tools
ENV SOURCE_DATE_EPOCH=1680000000
COPY [".sources/gcc/gcc-12_12.2.0-14_amd64.deb","/src/gcc/"]
RUN ["/bin/sh","-c","printf '6734ff919067319f81df149aecd5d711daf17c92150876d26101e550f073ef67  /src/gcc/gcc-12_12.2.0-14_amd64.deb\\n' | sha256sum -c --quiet -"]
RUN ["dpkg","-i","/src/gcc/gcc-12_12.2.0-14_amd64.deb"]

FROM scratch AS app
COPY --from=tools ["/usr/bin/gcc-12","/usr/bin/gcc-12"]

FROM atelier/os:key-<key>
COPY --from=app / /
USER 65532:65532
LABEL "org.opencontainers.image.description"="fixture toolchain" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="toolchain" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/base/toolchain" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="12.2.0"
ENTRYPOINT ["/usr/bin/gcc-12"]

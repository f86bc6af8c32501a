# Generated from base/runtime/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch runtime && docker build build/context/runtime
# BOM: {"deb:tzdata":"2024a-0+deb12u1"}

FROM atelier/os:key-<key> AS root
ENV SOURCE_DATE_EPOCH=1727000000
COPY [".sources/tzdata/tzdata_2024a-0+deb12u1_all.deb","/src/tzdata/"]
RUN ["/bin/sh","-c","printf '572d4fe95e2cfd3425b70544a829f39104cad64fb57cdc63a25f9e837fb79917  /src/tzdata/tzdata_2024a-0+deb12u1_all.deb\\n' | sha256sum -c --quiet -"]
RUN ["/bin/sh","-c","mkdir -p /out/etc && echo \"app:x:65532:65532::/:/sbin/nologin\" > /out/etc/passwd"]

FROM scratch AS app
COPY --from=root ["/out/etc","/etc"]
COPY --chown=65532:65532 [".atelier/empty/","/tmp"]

FROM scratch
COPY --from=app / /
USER 65532:65532
LABEL "org.opencontainers.image.description"="fixture runtime root" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="runtime" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/base/runtime" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="1"
ENTRYPOINT ["/nonexistent"]

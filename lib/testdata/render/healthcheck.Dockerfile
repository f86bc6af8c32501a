# Generated from images/healthcheck/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch healthcheck && docker build build/context/healthcheck
# BOM: {"url:src":"0.1.0"}

FROM atelier/toolchain:key-<key> AS build
ENV SOURCE_DATE_EPOCH=1700000000
COPY [".sources/src/healthcheck.c","/src/src/"]
RUN ["/bin/sh","-c","printf '693e678f947950c4a64701fd134414d99128c54c07ec8ce743bb1fe533136926  /src/src/healthcheck.c\\n' | sha256sum -c --quiet -"]
RUN ["gcc-12","-static","-Os","-o","/healthcheck","/src/src/healthcheck.c"]

FROM scratch AS app
COPY --from=build ["/healthcheck","/healthcheck"]

FROM scratch
COPY --from=app / /
USER 65532:65532
LABEL "org.opencontainers.image.description"="fixture healthcheck helper" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="healthcheck" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/images/healthcheck" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="0.1.0"
ENTRYPOINT ["/healthcheck"]

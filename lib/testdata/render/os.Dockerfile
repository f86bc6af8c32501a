# Generated from base/os/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch os && docker build build/context/os
# BOM: {"deb:base-files":"12.4+deb12u8","deb:ca-certificates":"20230311","deb:libc6":"2.36-9+deb12u9"}

FROM scratch
ADD [".sources/system/rootfs.tar","/"]
USER 65532:65532
LABEL "org.opencontainers.image.description"="fixture Debian base system" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="os" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/base/os" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="12"
ENTRYPOINT ["/bin/sh"]

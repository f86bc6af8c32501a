# Generated from images/app1/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch app1 && docker build build/context/app1
# BOM: {"debian-src:app1":"1.4.2-1~deb12u1"}

FROM atelier/toolchain:key-<key> AS build
ENV SOURCE_DATE_EPOCH=1733000000
COPY [".sources/app1/app1_1.4.2.orig.tar.gz",".sources/app1/app1_1.4.2-1~deb12u1.debian.tar.xz","/src/app1/"]
RUN ["/bin/sh","-c","printf '6da09d104c0c6ba1556830dde5230fa1154cbf1208039f2a303ccdff736ed348  /src/app1/app1_1.4.2.orig.tar.gz\\nde58a1e6ee08fd225ff2213f3d1ac09d48c2f48b0f5b28b27e7d2c595df2b092  /src/app1/app1_1.4.2-1~deb12u1.debian.tar.xz\\n' | sha256sum -c --quiet -"]
WORKDIR /src/app1
ENV CFLAGS="-O2"
RUN ["tar","-xzf","app1_1.4.2.orig.tar.gz","--strip-components=1"]
RUN ["make","PREFIX=/usr/local","install"]
COPY [".atelier/closure.sh","/.atelier/closure.sh"]
RUN ["/bin/sh","/.atelier/closure.sh","/.atelier/closure","/usr/local/bin/app1"]

FROM scratch AS app
COPY --from=build ["/.atelier/closure/","/"]
COPY --from=atelier/healthcheck:key-<key> ["/healthcheck","/usr/local/bin/healthcheck"]
COPY [".atelier/empty/","/run"]
COPY --chown=65532:65532 [".atelier/empty/","/data"]
COPY --chown=65532:65532 [".atelier/empty/","/run/app1"]

FROM atelier/runtime:key-<key>
COPY --from=app / /
USER 65532:65532
WORKDIR /data
ENV TZ="UTC"
EXPOSE 8080/tcp 9090/tcp
VOLUME ["/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/healthcheck","http","127.0.0.1:8080","/healthz","200-399"]
LABEL "org.atelier.metrics.path"="/metrics" \
      "org.atelier.metrics.port"="9090" \
      "org.example.team"="fixtures" \
      "org.opencontainers.image.description"="fixture service one" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="app1" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/images/app1" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="1.4.2"
ENTRYPOINT ["/usr/local/bin/app1"]
CMD ["--listen","0.0.0.0:8080"]

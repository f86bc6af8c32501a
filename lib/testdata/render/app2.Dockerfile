# Generated from images/app2/recipe.ts by `pnpm render`; do not edit.
# Rebuild by hand: pnpm fetch app2 && docker build build/context/app2
# BOM: {"npm:app2-plugin":"2.0.1"}

FROM atelier/toolchain:key-<key> AS plugin
ENV SOURCE_DATE_EPOCH=1734000000
COPY [".sources/plugin/app2-plugin-2.0.1.tgz","/src/plugin/"]
RUN ["/bin/sh","-c","printf '8ec43ab3817ba9e1ad77b534a8fdf9d32db228378c57b5f637ed8dc4fcf2b461  /src/plugin/app2-plugin-2.0.1.tgz\\n' | sha256sum -c --quiet -"]
RUN ["tar","-xzf","/src/plugin/app2-plugin-2.0.1.tgz","-C","/opt"]

FROM scratch AS app
COPY --from=plugin ["/opt/package","/usr/local/lib/app2"]
COPY --from=atelier/healthcheck:key-<key> ["/healthcheck","/usr/local/bin/healthcheck"]

FROM atelier/app1:key-<key>
COPY --from=app / /
USER 10001:10001
EXPOSE 7000/tcp 7001/udp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/healthcheck","expect","127.0.0.1:7000","PING\r\n","+PONG"]
LABEL "org.atelier.metrics.exporter"="app1" \
      "org.atelier.metrics.path"="/metrics" \
      "org.atelier.metrics.port"="9121" \
      "org.opencontainers.image.description"="fixture service two" \
      "org.opencontainers.image.source"="https://example.invalid/atelier" \
      "org.opencontainers.image.title"="app2" \
      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/images/app2" \
      "org.opencontainers.image.vendor"="atelier" \
      "org.opencontainers.image.version"="2.0.1"
ENTRYPOINT ["/usr/local/bin/app1"]
CMD ["--plugin","/usr/local/lib/app2"]

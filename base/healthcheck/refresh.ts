// Nothing to refresh: the helper is built from files/healthcheck.c with the toolchain image's musl.
export default {}
